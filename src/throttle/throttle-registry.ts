import { EndpointThrottle, type ThrottleStats } from "./endpoint-throttle.ts";
import type { ThrottleLimits } from "./throttle-limits.ts";

export interface ThrottleRegistryOptions {
  /** Called once per throttled job whose fn starts, with its endpoint and how long it waited. */
  readonly onWait?: ((endpointName: string, waitedMs: number) => void) | undefined;
  /** Clock for the wait accounting, in milliseconds; default performance.now. */
  readonly now?: (() => number) | undefined;
}

/** Endpoints without an entry get no limits: their throttle calls fn directly. */
const NO_LIMITS: ThrottleLimits = { maxQueue: Number.POSITIVE_INFINITY };

/**
 * One EndpointThrottle per endpoint name, created on first use and shared by every request
 * and alias that reaches the endpoint.
 */
export class ThrottleRegistry {
  private readonly throttles = new Map<string, EndpointThrottle>();
  private stopped = false;

  constructor(
    private readonly limitsByEndpoint: ReadonlyMap<string, ThrottleLimits>,
    private readonly options: ThrottleRegistryOptions = {},
  ) {}

  /** The endpoint's throttle, created once and cached. An endpoint with no limits gets a pass-through throttle. */
  for(endpointName: string): EndpointThrottle {
    let throttle = this.throttles.get(endpointName);
    if (throttle === undefined) {
      const { onWait, now } = this.options;
      throttle = new EndpointThrottle(endpointName, this.limitsByEndpoint.get(endpointName) ?? NO_LIMITS, {
        onWait: onWait === undefined ? undefined : (waitedMs) => onWait(endpointName, waitedMs),
        now,
      });
      // After stopAll(), late callers get a throttle that refuses with E_CANCELLED.
      if (this.stopped) void throttle.stop();
      this.throttles.set(endpointName, throttle);
    }
    return throttle;
  }

  /** Stats of every throttle created so far, by endpoint name. */
  stats(): Record<string, ThrottleStats> {
    const result: Record<string, ThrottleStats> = {};
    for (const [name, throttle] of this.throttles) result[name] = throttle.stats();
    return result;
  }

  /** Stops every throttle: waiting jobs reject with E_CANCELLED; resolves when fn calls in flight have settled. */
  async stopAll(): Promise<void> {
    this.stopped = true;
    await Promise.all([...this.throttles.values()].map((throttle) => throttle.stop()));
  }
}
