import Bottleneck from "bottleneck";
import { bottleneckOptions, clusterSettingsUpdate, type BottleneckSettings } from "./bottleneck-options.ts";
import type { RedisThrottleConnection } from "./redis-throttle-connection.ts";
import { GateQueueFullError, type RequestGate } from "./request-gate.ts";
import { SlotReaper } from "./slot-reaper.ts";
import type { NormalizedLimits, ThrottleLimits } from "./throttle-limits.ts";

/** Running the endpoint's limiter in Redis, shared with the other replicas. */
export interface RequestLimiterCluster {
  readonly connection: RedisThrottleConnection;
  /** `<prefix>:<endpoint>`: the same on every replica. */
  readonly id: string;
  readonly clientTimeoutMs: number;
}

export interface ClusterRequestLimiterOptions {
  readonly cluster: RequestLimiterCluster;
  /** Errors Bottleneck reports in the background (heartbeats, frees); for logging. */
  readonly onError?: ((error: unknown) => void) | undefined;
}

/** Bottleneck's message for a job dropped by the highWater/OVERFLOW strategy (Job.doDrop default). */
const BOTTLENECK_DROPPED = "This job has been dropped by Bottleneck";

/** The private parts of a Bottleneck limiter used to empty its queue when Redis goes away (2.19.5). */
interface QueueInternals {
  readonly _registerLock?: { schedule(task: () => unknown): Promise<unknown> };
  readonly _dropAllQueued?: (message?: string) => unknown;
}

/**
 * The fleet-wide limiter of one endpoint, on Bottleneck's Redis datastore: concurrency cap
 * and request bucket (rpm + burst) shared by every replica, with a bounded local queue.
 * Bottleneck's Redis scripts refill the bucket, and a SlotReaper frees the slots of dead
 * replicas. Bottleneck cannot take a job out of its queue: a job whose signal aborts keeps
 * its place until it reaches the front (EndpointThrottle then skips its fn).
 */
export class ClusterRequestLimiter implements RequestGate {
  private limiter: Bottleneck;
  /** Redis failed while this limiter set itself up; Bottleneck never recovers from that. */
  private broken = false;
  private readonly settings: BottleneckSettings;
  private readonly reaper: SlotReaper | undefined;
  /** Bottleneck settles a job's promise after its slot is freed (in Redis, once `free` answered). */
  private readonly unsettled = new Set<Promise<unknown>>();

  constructor(
    endpointName: string,
    limits: ThrottleLimits,
    normalized: NormalizedLimits,
    private readonly options: ClusterRequestLimiterOptions,
  ) {
    const cluster = options.cluster;
    this.settings = bottleneckOptions(endpointName, limits, {
      connection: cluster.connection.bottleneck,
      id: cluster.id,
      clientTimeoutMs: cluster.clientTimeoutMs,
    });
    this.limiter = this.createLimiter();
    if (normalized.maxConcurrent !== undefined) {
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

  /** Resolves once the limiter's shared state exists in Redis. */
  ready(): Promise<void> {
    this.replaceIfBroken();
    return this.limiter.ready().then(() => undefined);
  }

  /**
   * Queues job; rejects when Bottleneck refuses it (queue full, stopped, Redis failed). Call
   * only while Redis is healthy. The signal is not watched: see the class comment.
   */
  schedule(job: () => Promise<void>): Promise<void> {
    this.replaceIfBroken();
    const settled = this.limiter.schedule(job);
    this.unsettled.add(settled);
    const forget = () => this.unsettled.delete(settled);
    settled.then(forget, forget);
    return settled.catch((error: unknown) => {
      if (error instanceof Bottleneck.BottleneckError && error.message === BOTTLENECK_DROPPED) {
        throw new GateQueueFullError(this.settings.highWater ?? Number.POSITIVE_INFINITY, { cause: error });
      }
      throw error;
    });
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
    this.reaper?.stop();
    await this.limiter.stop({ dropWaitingJobs: true, dropErrorMessage: message, enqueueErrorMessage: message });
    await Promise.allSettled([...this.unsettled]);
  }

  /** The share of the fleet's request bucket left (Bottleneck's reservoir over the burst). */
  async requestShare(): Promise<number | undefined> {
    const burst = this.settings.reservoir;
    if (burst === undefined || burst === null || burst <= 0) return undefined;
    const left = await this.limiter.currentReservoir();
    return left === null ? undefined : Math.max(0, Math.min(1, left / burst));
  }

  /** Jobs running on every replica (Bottleneck keeps the count in Redis). */
  runningCount(): Promise<number> {
    return this.limiter.running();
  }

  /** A pass of the slot reaper (tests). */
  reapSlots(): Promise<number> {
    return this.reaper?.pass() ?? Promise.resolve(0);
  }

  private createLimiter(): Bottleneck {
    const limiter = new Bottleneck(this.settings);
    limiter.on("error", (error: unknown) => this.options.onError?.(error));
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
}
