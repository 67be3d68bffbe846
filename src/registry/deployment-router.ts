import type { GroupConfig } from "../config/config-schema.ts";

/** What a strategy reads of one deployment before a request picks among them. */
export interface DeploymentLoad {
  /** Calls running on it: across the fleet when its limits live in Redis, else in this process. */
  readonly inFlight: number;
  /** Calls of this process waiting in its throttle. */
  readonly queued: number;
  /** Its max_concurrent; undefined when unlimited. */
  readonly maxConcurrent: number | undefined;
  /**
   * The share of its request and token budgets left, 0–1: the smaller of what the provider last
   * reported (`x-ratelimit-remaining-*` over `x-ratelimit-limit-*`, until `x-ratelimit-reset-*`)
   * and, where known, the endpoint's own limits. 1 when nothing limits it.
   */
  readonly headroom: number;
}

export interface DeploymentRouterOptions {
  readonly load: (endpoint: string) => Promise<DeploymentLoad>;
  /** False while the circuit breaker holds the endpoint open. */
  readonly closed: (endpoint: string) => boolean;
  readonly now: () => number;
}

/**
 * Orders a deployment group's endpoints for one request, by the group's strategy:
 * `weighted` (smooth weighted round-robin: over any run of requests each deployment is first
 * in proportion to its weight, exactly, in this process), `least_busy` (a deployment with a free
 * slot before a full one, then the fewest calls in flight) or `limit_aware` (the most headroom
 * first). Deployments cooling down after a 429 or open in the breaker go last, soonest back
 * first: the request tries them only when nothing else is left.
 */
export class DeploymentRouter {
  private readonly coolingUntil = new Map<string, number>();
  /** Smooth weighted round-robin's running weights, per group and deployment. */
  private readonly current = new Map<string, Map<string, number>>();

  constructor(private readonly options: DeploymentRouterOptions) {}

  /** The deployment answered 429: skip it for `ms` (its Retry-After, else the retry policy's rate-limit delay). */
  coolDown(endpoint: string, ms: number): void {
    const until = this.options.now() + ms;
    this.coolingUntil.set(endpoint, Math.max(until, this.coolingUntil.get(endpoint) ?? 0));
  }

  /** Whether a deployment can take a request now (not cooling down, not open in the breaker). */
  available(endpoint: string): boolean {
    const until = this.coolingUntil.get(endpoint);
    if (until !== undefined && until <= this.options.now()) this.coolingUntil.delete(endpoint);
    return !this.coolingUntil.has(endpoint) && this.options.closed(endpoint);
  }

  async order(name: string, group: GroupConfig, eligible: (endpoint: string) => boolean = () => true): Promise<string[]> {
    const deployments = group.deployments.filter((deployment) => eligible(deployment.endpoint));
    const ready = deployments.filter((deployment) => this.available(deployment.endpoint));
    const resting = deployments
      .filter((deployment) => !ready.includes(deployment))
      // Cooling ones by when they are back; open in the breaker (its probe time is the breaker's) after them.
      .sort(
        (left, right) => (this.coolingUntil.get(left.endpoint) ?? Number.MAX_SAFE_INTEGER) - (this.coolingUntil.get(right.endpoint) ?? Number.MAX_SAFE_INTEGER),
      )
      .map((deployment) => deployment.endpoint);
    if (ready.length === 0) return resting;
    if (group.strategy === "weighted") return [...this.weighted(name, ready), ...resting];
    const loads = await Promise.all(ready.map(async (deployment) => ({ endpoint: deployment.endpoint, load: await this.options.load(deployment.endpoint) })));
    const byStrategy = group.strategy === "least_busy" ? byBusyness : byHeadroom;
    return [...loads.sort((left, right) => byStrategy(left.load, right.load)).map((entry) => entry.endpoint), ...resting];
  }

  /** The smooth weighted round-robin pick first, then the rest by weight. */
  private weighted(name: string, ready: GroupConfig["deployments"]): string[] {
    const current = this.current.get(name) ?? new Map<string, number>();
    this.current.set(name, current);
    let total = 0;
    let pick = ready[0] as GroupConfig["deployments"][number];
    for (const deployment of ready) {
      total += deployment.weight;
      const value = (current.get(deployment.endpoint) ?? 0) + deployment.weight;
      current.set(deployment.endpoint, value);
      if (value > (current.get(pick.endpoint) ?? 0)) pick = deployment;
    }
    current.set(pick.endpoint, (current.get(pick.endpoint) ?? 0) - total);
    const rest = ready.filter((deployment) => deployment !== pick).sort((left, right) => right.weight - left.weight);
    return [pick.endpoint, ...rest.map((deployment) => deployment.endpoint)];
  }
}

const hasFreeSlot = (load: DeploymentLoad) => load.maxConcurrent === undefined || load.inFlight < load.maxConcurrent;

/** A free slot first, then the fewest calls in flight and waiting; a stable sort keeps config order on ties. */
function byBusyness(left: DeploymentLoad, right: DeploymentLoad): number {
  return Number(hasFreeSlot(right)) - Number(hasFreeSlot(left)) || left.inFlight + left.queued - (right.inFlight + right.queued);
}

/** The most headroom first; among equals, the least busy. */
function byHeadroom(left: DeploymentLoad, right: DeploymentLoad): number {
  return right.headroom - left.headroom || byBusyness(left, right);
}
