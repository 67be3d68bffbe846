import Bottleneck from "bottleneck";
import { ModelbusError, toModelbusError } from "../core/modelbus-error.ts";
import { bottleneckOptions } from "./bottleneck-options.ts";
import { isUnlimited, normalizeLimits, type NormalizedLimits, type ThrottleLimits } from "./throttle-limits.ts";
import { TokenRefill, type ReservoirPort } from "./token-refill.ts";

export type { ThrottleLimits } from "./throttle-limits.ts";

export interface EndpointThrottleOptions {
  /** Called once per job whose fn starts, with how long it waited for a slot and a token. Throttled endpoints only. */
  readonly onWait?: ((waitedMs: number) => void) | undefined;
  /** Clock for the wait accounting, in milliseconds; default performance.now. */
  readonly now?: (() => number) | undefined;
}

export interface ScheduleOptions {
  /** Aborting while the job waits rejects it at once; fn then never runs. */
  readonly signal?: AbortSignal | undefined;
}

export interface ThrottleStats {
  /** Jobs waiting for a slot or a token (aborted ones not counted; see schedule()). */
  readonly queued: number;
  /** fn calls in flight. */
  readonly running: number;
  /** fn calls started since construction. */
  readonly started: number;
  /** Sum of the waits of the started jobs, in milliseconds (0 on the unlimited path). */
  readonly waitedMsTotal: number;
  /** Jobs refused with E_THROTTLE_QUEUE_FULL. */
  readonly rejectedQueueFull: number;
}

/** Bottleneck's message for a job dropped by the highWater/OVERFLOW strategy (Job.doDrop default). */
const BOTTLENECK_DROPPED = "This job has been dropped by Bottleneck";

/**
 * One limiter per endpoint, shared by every request and alias that reaches it: a
 * concurrency cap, a token bucket (requests per minute with a burst) and a bounded queue,
 * built on Bottleneck. Without limits, schedule() calls fn directly.
 */
export class EndpointThrottle {
  readonly endpointName: string;
  readonly limits: NormalizedLimits;
  private readonly limiter: Bottleneck | undefined;
  private readonly refill: TokenRefill | undefined;
  private readonly onWait: ((waitedMs: number) => void) | undefined;
  private readonly now: () => number;
  private waiting = 0;
  private running = 0;
  private started = 0;
  private waitedMsTotal = 0;
  private rejectedQueueFull = 0;
  private stopped = false;
  private stopping: Promise<void> | undefined;
  private idleWaiters: (() => void)[] = [];

  constructor(endpointName: string, limits: ThrottleLimits, options: EndpointThrottleOptions = {}) {
    this.endpointName = endpointName;
    this.limits = normalizeLimits(endpointName, limits);
    this.onWait = options.onWait;
    this.now = options.now ?? (() => performance.now());
    if (isUnlimited(this.limits)) return;

    const settings = bottleneckOptions(endpointName, limits);
    const limiter = new Bottleneck(settings);
    this.limiter = limiter;
    const { bucket } = this.limits;
    if (bucket !== undefined && settings.reservoirIncreaseInterval == null) {
      const port: ReservoirPort = {
        currentReservoir: () => limiter.currentReservoir(),
        running: () => limiter.running(),
        incrementReservoir: (by) => limiter.incrementReservoir(by),
        queued: () => limiter.queued(),
        isEmpty: () => {
          const counts = limiter.counts();
          return counts.RECEIVED + counts.QUEUED + counts.RUNNING + counts.EXECUTING === 0;
        },
      };
      this.refill = new TokenRefill(port, bucket, { maxConcurrent: this.limits.maxConcurrent });
    }
  }

  /**
   * Runs fn when a slot (and a token) is free; the slot is released in finally, whatever fn
   * does. Rejects with E_THROTTLE_QUEUE_FULL when max_queue jobs already wait, and with
   * E_CANCELLED after stop().
   *
   * Abort: if `signal` is already aborted, rejects before queueing. If it aborts while the job
   * waits, rejects at once with the signal's reason when that is a ModelbusError, otherwise
   * with E_CANCELLED. Bottleneck cannot take a job out of its queue, so the aborted job keeps
   * its place (and still counts toward max_queue) until it reaches the front; there it takes a
   * bucket token and a slot for an instant and returns without calling fn. Once fn has
   * started, aborting is fn's business (pass it the same signal).
   */
  schedule<T>(fn: () => Promise<T>, options?: ScheduleOptions): Promise<T> {
    const signal = options?.signal;
    if (this.stopped) return Promise.reject(this.stoppedError());
    if (signal?.aborted) return Promise.reject(this.abortError(signal.reason));
    const limiter = this.limiter;
    if (limiter === undefined) return this.runDirect(fn);
    return this.runLimited(limiter, fn, signal);
  }

  stats(): ThrottleStats {
    return {
      queued: this.waiting,
      running: this.running,
      started: this.started,
      waitedMsTotal: this.waitedMsTotal,
      rejectedQueueFull: this.rejectedQueueFull,
    };
  }

  /**
   * Refuses new jobs (E_CANCELLED), rejects the waiting ones with E_CANCELLED, and resolves
   * once every fn in flight has settled. Calling it again returns the same promise.
   */
  stop(): Promise<void> {
    this.stopping ??= this.doStop();
    return this.stopping;
  }

  private async doStop(): Promise<void> {
    this.stopped = true;
    this.refill?.stop();
    if (this.limiter !== undefined) {
      await this.limiter.stop({
        dropWaitingJobs: true,
        dropErrorMessage: `throttle for endpoint "${this.endpointName}" stopped`,
        enqueueErrorMessage: `throttle for endpoint "${this.endpointName}" stopped`,
      });
    }
    if (this.running > 0) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  /** The unlimited path: no Bottleneck, no queue, no wait accounting; only the two counters. */
  private async runDirect<T>(fn: () => Promise<T>): Promise<T> {
    this.running++;
    this.started++;
    try {
      return await fn();
    } finally {
      this.finishedOne();
    }
  }

  private runLimited<T>(limiter: Bottleneck, fn: () => Promise<T>, signal: AbortSignal | undefined): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const queuedAt = this.now();
      let state: "waiting" | "started" | "gone" = "waiting";
      this.waiting++;
      const leaveQueue = (next: "started" | "gone") => {
        state = next;
        this.waiting--;
        signal?.removeEventListener("abort", onAbort);
      };
      const onAbort = () => {
        if (state !== "waiting") return;
        leaveQueue("gone");
        reject(this.abortError(signal?.reason));
      };
      signal?.addEventListener("abort", onAbort, { once: true });

      const job = async (): Promise<void> => {
        // Aborted while queued: the token and the slot are spent, fn is not called.
        if (state !== "waiting") return;
        leaveQueue("started");
        this.recordWait(this.now() - queuedAt);
        this.running++;
        this.started++;
        try {
          resolve(await fn());
        } catch (error) {
          reject(error);
        } finally {
          this.finishedOne();
        }
      };
      // The job never rejects on its own (fn's outcome goes straight to the caller), so a
      // rejection here is Bottleneck refusing the job: queue full, or the limiter stopped.
      limiter.schedule(job).catch((error: unknown) => {
        if (state !== "waiting") return;
        leaveQueue("gone");
        reject(this.refusedError(error));
      });
      this.refill?.touch();
    });
  }

  private recordWait(waitedMs: number): void {
    const waited = Math.max(0, waitedMs);
    this.waitedMsTotal += waited;
    this.onWait?.(waited);
  }

  private finishedOne(): void {
    this.running--;
    if (this.running === 0 && this.idleWaiters.length > 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const wake of waiters) wake();
    }
  }

  private refusedError(error: unknown): ModelbusError {
    if (this.stopped) return this.stoppedError(error);
    if (error instanceof Bottleneck.BottleneckError && error.message === BOTTLENECK_DROPPED) {
      this.rejectedQueueFull++;
      return new ModelbusError({
        code: "E_THROTTLE_QUEUE_FULL",
        message: `throttle queue for endpoint "${this.endpointName}" is full (max_queue=${this.limits.maxQueue})`,
        cause: error,
      });
    }
    return toModelbusError(error, "E_INTERNAL");
  }

  private stoppedError(cause?: unknown): ModelbusError {
    return new ModelbusError({
      code: "E_CANCELLED",
      message: `throttle for endpoint "${this.endpointName}" is stopped`,
      cause,
    });
  }

  private abortError(reason: unknown): ModelbusError {
    if (reason instanceof ModelbusError) return reason;
    return new ModelbusError({
      code: "E_CANCELLED",
      message: `request cancelled while waiting in the throttle queue of endpoint "${this.endpointName}"`,
      cause: reason,
    });
  }
}
