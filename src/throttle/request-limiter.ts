import Bottleneck from "bottleneck";
import { bottleneckOptions, clusterSettingsUpdate, type BottleneckSettings } from "./bottleneck-options.ts";
import type { RedisThrottleConnection } from "./redis-throttle-connection.ts";
import { SlotReaper } from "./slot-reaper.ts";
import type { NormalizedLimits, ThrottleLimits } from "./throttle-limits.ts";
import { TokenRefill, type ReservoirPort } from "./token-refill.ts";

/** Running the endpoint's limiter in Redis, shared with the other replicas. */
export interface RequestLimiterCluster {
  readonly connection: RedisThrottleConnection;
  /** `<prefix>:<endpoint>`: the same on every replica. */
  readonly id: string;
  readonly clientTimeoutMs: number;
}

export interface RequestLimiterOptions {
  readonly cluster?: RequestLimiterCluster | undefined;
  /** Errors Bottleneck reports in the background (heartbeats, frees); for logging. */
  readonly onError?: ((error: unknown) => void) | undefined;
}

/** The private parts of a Bottleneck limiter used to empty its queue when Redis goes away (2.19.5). */
interface QueueInternals {
  readonly _registerLock?: { schedule(task: () => unknown): Promise<unknown> };
  readonly _dropAllQueued?: (message?: string) => unknown;
}

/**
 * The Bottleneck limiter of one endpoint: concurrency cap and request bucket (rpm + burst),
 * with a bounded queue. Locally, TokenRefill refills the bucket; in a cluster, Bottleneck's
 * Redis scripts do, and a SlotReaper frees the slots of dead replicas.
 */
export class RequestLimiter {
  private limiter: Bottleneck;
  /** Redis failed while this limiter set itself up; Bottleneck never recovers from that. */
  private broken = false;
  private readonly settings: BottleneckSettings;
  private readonly refill: TokenRefill | undefined;
  private readonly reaper: SlotReaper | undefined;
  /** Bottleneck settles a job's promise after its slot is freed (in Redis, once `free` answered). */
  private readonly unsettled = new Set<Promise<unknown>>();

  constructor(
    endpointName: string,
    limits: ThrottleLimits,
    normalized: NormalizedLimits,
    private readonly options: RequestLimiterOptions = {},
  ) {
    const cluster = options.cluster;
    this.settings = bottleneckOptions(
      endpointName,
      limits,
      cluster && { connection: cluster.connection.bottleneck, id: cluster.id, clientTimeoutMs: cluster.clientTimeoutMs },
    );
    this.limiter = this.createLimiter();
    const { bucket, maxConcurrent } = normalized;
    if (cluster === undefined && bucket !== undefined && this.settings.reservoirIncreaseInterval == null) {
      this.refill = new TokenRefill(this.reservoirPort(), bucket, { maxConcurrent });
    }
    if (cluster !== undefined && maxConcurrent !== undefined) {
      this.reaper = new SlotReaper({
        connection: cluster.connection,
        limiterId: cluster.id,
        clientTimeoutMs: cluster.clientTimeoutMs,
        limiter: () => this.limiter,
        onError: options.onError,
      });
      this.reaper.start();
    }
  }

  /** Resolves once the limiter's shared state exists in Redis (at once when local). */
  ready(): Promise<void> {
    this.replaceIfBroken();
    return this.limiter.ready().then(() => undefined);
  }

  /** Queues job; rejects when Bottleneck refuses it (queue full, stopped, Redis failed). Call only while Redis is healthy. */
  schedule(job: () => Promise<void>): Promise<void> {
    this.replaceIfBroken();
    const settled = this.limiter.schedule(job);
    this.unsettled.add(settled);
    const forget = () => this.unsettled.delete(settled);
    settled.then(forget, forget);
    this.refill?.touch();
    return settled;
  }

  /**
   * Redis went away: empty the local queue now (the callers were already answered), so those
   * jobs do not each take a token and a slot when Redis comes back. Waits for an in-flight
   * registration first, as Bottleneck's own stop() does.
   */
  dropQueued(message: string): void {
    const internals = this.limiter as unknown as QueueInternals;
    const lock = internals._registerLock;
    const drop = internals._dropAllQueued;
    if (lock === undefined || typeof drop !== "function") return;
    lock.schedule(() => drop.call(this.limiter, message)).catch((error: unknown) => this.options.onError?.(error));
  }

  /** Drops the waiting jobs and resolves when every started job has finished and freed its slot. */
  async stop(message: string): Promise<void> {
    this.refill?.stop();
    this.reaper?.stop();
    await this.limiter.stop({ dropWaitingJobs: true, dropErrorMessage: message, enqueueErrorMessage: message });
    await Promise.allSettled([...this.unsettled]);
  }

  /** A pass of the slot reaper (tests). */
  reapSlots(): Promise<number> {
    return this.reaper?.pass() ?? Promise.resolve(0);
  }

  private createLimiter(): Bottleneck {
    const limiter = new Bottleneck(this.settings);
    limiter.on("error", (error: unknown) => this.options.onError?.(error));
    if (this.options.cluster !== undefined) {
      limiter.ready().then(
        // A starting replica brings the shared settings in line with its config (not the bucket level).
        // (Typed as returning the limiter; 2.19.5 returns a promise of it.)
        () => Promise.resolve(limiter.updateSettings(clusterSettingsUpdate(this.settings))).catch((error: unknown) => this.options.onError?.(error)),
        // Redis failed during setup: this limiter stays broken (every later call rejects
        // with the same error), so the next call, made once Redis is back, gets a fresh one.
        (error: unknown) => {
          this.options.onError?.(error);
          if (this.limiter === limiter) this.broken = true;
        },
      );
    }
    return limiter;
  }

  /**
   * The broken limiter never started its heartbeat and holds no job (its submits failed), so
   * it is simply dropped; the new one (re)subscribes to the same channel and takes it over.
   */
  private replaceIfBroken(): void {
    if (!this.broken) return;
    this.broken = false;
    this.limiter = this.createLimiter();
  }

  private reservoirPort(): ReservoirPort {
    return {
      currentReservoir: () => this.limiter.currentReservoir(),
      running: () => this.limiter.running(),
      incrementReservoir: (by) => this.limiter.incrementReservoir(by),
      queued: () => this.limiter.queued(),
      isEmpty: () => {
        const counts = this.limiter.counts();
        return counts.RECEIVED + counts.QUEUED + counts.RUNNING + counts.EXECUTING === 0;
      },
    };
  }
}
