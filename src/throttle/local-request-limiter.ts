import { InFlightCount } from "./in-flight-count.ts";
import { GateQueueFullError, type RequestGate } from "./request-gate.ts";
import type { TokenBucket } from "./throttle-limits.ts";
import { nodeTimers, type ThrottleTimers } from "./throttle-timers.ts";

/** What the local limiter enforces; `undefined` = off. */
export interface LocalLimits {
  readonly bucket?: TokenBucket | undefined;
  readonly maxConcurrent?: number | undefined;
  /** Most jobs that may wait (a whole number ≥ 0, or Infinity); see gateQueueBound. */
  readonly maxQueue: number;
}

export interface LocalRequestLimiterOptions {
  /** Monotonic clock in milliseconds; default performance.now (a wall clock could jump). */
  readonly now?: (() => number) | undefined;
  readonly timers?: ThrottleTimers | undefined;
}

/** A job waiting in the limiter's queue (a doubly linked list: an aborted job leaves it in O(1)). */
interface Waiter {
  readonly job: () => Promise<void>;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
  readonly signal: AbortSignal | undefined;
  readonly onAbort: (() => void) | undefined;
  prev: Waiter | undefined;
  next: Waiter | undefined;
  queued: boolean;
}

/** Guards against 0.9999999 tokens when a token is due exactly now. */
const EPSILON = 1e-9;

/**
 * The request bucket: starts full at `burst`, refills continuously at requestsPerMinute. The
 * level is computed from the time elapsed on the clock, so however late a timer fires nothing
 * is lost and the long-run rate is exact.
 */
class RequestBucket {
  private readonly burst: number;
  private readonly perMs: number;
  private level: number;
  private at: number;

  constructor(
    bucket: TokenBucket,
    private readonly now: () => number,
  ) {
    this.burst = bucket.burst;
    this.perMs = bucket.requestsPerMinute / 60_000;
    this.level = bucket.burst;
    this.at = now();
  }

  /**
   * Adds what was earned since the last call, capped at burst. `hungry` jobs have waited with a
   * free slot all that time: each would have taken a token the moment it appeared, so that many
   * more are kept above the cap (a late timer must not throw away tokens they would have used);
   * the caller starts those jobs right away, then cap() drops what nobody took.
   */
  advance(hungry: number): void {
    const now = this.now();
    if (now <= this.at) return;
    this.level = Math.min(this.burst + hungry, this.level + (now - this.at) * this.perMs);
    this.at = now;
  }

  /** Takes a token if there is one (call advance() first). */
  take(): boolean {
    if (this.level + EPSILON < 1) return false;
    this.level -= 1;
    return true;
  }

  /** Whole milliseconds (≥ 1) until the next token is due. */
  msUntilToken(): number {
    // The slack keeps a float rounding from adding a whole millisecond; a wake a hair early just waits 1 ms more.
    return Math.max(1, Math.ceil((1 - this.level) / this.perMs - 1e-6));
  }

  cap(): void {
    if (this.level > this.burst) this.level = this.burst;
  }

  /** The share of the bucket held now, read without taking or capping anything. */
  share(): number {
    const now = this.now();
    const level = now > this.at ? this.level + (now - this.at) * this.perMs : this.level;
    return Math.max(0, Math.min(1, level / this.burst));
  }
}

/**
 * The in-process limiter of one endpoint: a counting semaphore for max_concurrent, a token
 * bucket for requests_per_minute / burst, and a strict FIFO queue bounded by `maxQueue`.
 *
 * A job that can start (nobody waiting, a free slot, a token) starts synchronously inside
 * schedule(). Otherwise it waits; the head starts when a running job settles (the slot is
 * released right there) or, when it lacks only a token, on the one timer armed for the moment
 * that token is due. No timer runs while nothing waits. A job whose signal aborts while it
 * waits leaves the queue at once, and its place with it.
 *
 * The bucket is brought up to date before every change of who waits or runs (see
 * RequestBucket.advance), so tokens earned while jobs waited for them are theirs even when
 * the timer fires late.
 */
export class LocalRequestLimiter implements RequestGate {
  private readonly maxConcurrent: number;
  private readonly maxQueue: number;
  private readonly bucket: RequestBucket | undefined;
  private readonly timers: ThrottleTimers;
  private readonly running = new InFlightCount();
  private head: Waiter | undefined;
  private tail: Waiter | undefined;
  private queued = 0;
  private timer: unknown = undefined;
  private stoppedWith: string | undefined;

  constructor(limits: LocalLimits, options: LocalRequestLimiterOptions = {}) {
    this.maxConcurrent = limits.maxConcurrent ?? Number.POSITIVE_INFINITY;
    this.maxQueue = limits.maxQueue;
    this.bucket = limits.bucket && new RequestBucket(limits.bucket, options.now ?? (() => performance.now()));
    this.timers = options.timers ?? nodeTimers;
  }

  schedule(job: () => Promise<void>, signal?: AbortSignal): Promise<void> {
    if (this.stoppedWith !== undefined) return Promise.reject(new Error(this.stoppedWith));
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.queued === 0 && this.running.value < this.maxConcurrent && this.takeToken()) return this.run(job);
    if (this.queued >= this.maxQueue) return Promise.reject(new GateQueueFullError(this.maxQueue));
    // A slot is free, so the jobs waiting (if any) wait for tokens: count their earnings before one more joins.
    if (this.running.value < this.maxConcurrent) this.syncBucket();
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        job,
        resolve,
        reject,
        signal,
        onAbort:
          signal &&
          (() => {
            this.leave(waiter, signal.reason);
            // The head may have changed, and tokens counted on the way out may let it start.
            this.pump();
          }),
        prev: this.tail,
        next: undefined,
        queued: true,
      };
      if (this.tail === undefined) this.head = waiter;
      else this.tail.next = waiter;
      this.tail = waiter;
      this.queued++;
      if (waiter.onAbort !== undefined) signal?.addEventListener("abort", waiter.onAbort, { once: true });
      // With a free slot the head lacks a token: it may need the refill timer, or a late one's tokens.
      if (this.running.value < this.maxConcurrent) this.pump();
    });
  }

  ready(): Promise<void> {
    return Promise.resolve();
  }

  dropQueued(message: string): void {
    while (this.head !== undefined) this.leave(this.head, new Error(message));
    this.bucket?.cap();
  }

  stop(message: string): Promise<void> {
    this.stoppedWith = message;
    this.dropQueued(message);
    return this.running.idle();
  }

  reapSlots(): Promise<number> {
    return Promise.resolve(0);
  }

  /** Jobs waiting and jobs holding a slot (tests, debugging). */
  requestShare(): Promise<number | undefined> {
    return Promise.resolve(this.bucket?.share());
  }

  runningCount(): Promise<number> {
    return Promise.resolve(this.counts().running);
  }

  counts(): { queued: number; running: number } {
    return { queued: this.queued, running: this.running.value };
  }

  /** Runs job in a slot; the slot is released as soon as job settles, before the returned promise settles. */
  private run(job: () => Promise<void>): Promise<void> {
    this.running.enter();
    let settled: Promise<void>;
    try {
      settled = job();
    } catch (error) {
      settled = Promise.reject(error);
    }
    return settled.then(this.released, this.releasedAfterError);
  }

  private readonly released = (): void => {
    this.release();
  };

  private readonly releasedAfterError = (error: unknown): never => {
    this.release();
    throw error;
  };

  private release(): void {
    const waiting = this.head !== undefined;
    // Count the waiting jobs' earnings while this job still holds its slot, then hand the slot on.
    if (waiting) this.syncBucket();
    this.running.leave();
    if (waiting) this.pump();
  }

  /** For a job arriving at an empty queue with a free slot: takes a token when the bucket has one (or there is no bucket). */
  private takeToken(): boolean {
    const bucket = this.bucket;
    if (bucket === undefined) return true;
    bucket.advance(0);
    return bucket.take();
  }

  /** Brings the bucket up to now; the jobs waiting while a slot is free are waiting for tokens. */
  private syncBucket(): void {
    const free = this.maxConcurrent - this.running.value;
    this.bucket?.advance(this.queued > 0 && free > 0 ? Math.min(this.queued, free) : 0);
  }

  /** Starts waiting jobs in order while they have a slot and a token; arms the refill timer when the head lacks only a token. */
  private pump(): void {
    const bucket = this.bucket;
    for (let head = this.head; head !== undefined; head = this.head) {
      if (this.running.value >= this.maxConcurrent) break;
      if (bucket !== undefined && !bucket.take()) {
        this.armRefill(bucket.msUntilToken());
        break;
      }
      this.unlink(head);
      this.run(head.job).then(head.resolve, head.reject);
    }
    bucket?.cap();
  }

  /** One timer, for the head's token; it stays right until the head starts (nobody else takes tokens meanwhile). */
  private armRefill(delayMs: number): void {
    if (this.timer !== undefined) return;
    this.timer = this.timers.set(
      () => {
        this.timer = undefined;
        this.syncBucket();
        this.pump();
      },
      delayMs,
      true,
    );
  }

  private leave(waiter: Waiter, error: unknown): void {
    if (!waiter.queued) return;
    if (this.running.value < this.maxConcurrent) this.syncBucket();
    this.unlink(waiter);
    waiter.reject(error);
  }

  private unlink(waiter: Waiter): void {
    waiter.queued = false;
    if (waiter.prev === undefined) this.head = waiter.next;
    else waiter.prev.next = waiter.next;
    if (waiter.next === undefined) this.tail = waiter.prev;
    else waiter.next.prev = waiter.prev;
    waiter.prev = undefined;
    waiter.next = undefined;
    this.queued--;
    if (waiter.onAbort !== undefined) waiter.signal?.removeEventListener("abort", waiter.onAbort);
    if (this.queued === 0 && this.timer !== undefined) {
      this.timers.clear(this.timer);
      this.timer = undefined;
    }
  }
}
