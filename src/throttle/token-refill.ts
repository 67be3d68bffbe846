import type { TokenBucket } from "./throttle-limits.ts";

/**
 * What the refill needs from a limiter. `EndpointThrottle` adapts a Bottleneck instance;
 * tests use a plain object.
 */
export interface ReservoirPort {
  /** Tokens left in the bucket. */
  currentReservoir(): Promise<number | null>;
  /** Jobs holding a concurrency slot. */
  running(): Promise<number>;
  /** Adds tokens (uncapped) and wakes waiting jobs; resolves to the new level. */
  incrementReservoir(by: number): Promise<number>;
  /** Jobs waiting in the limiter's queue. */
  queued(): number;
  /** True when the limiter holds no job at all (received, queued, running or executing). */
  isEmpty(): boolean;
}

export interface RefillTimers {
  /** keepAlive=false: the timer must not keep the process alive (Node: unref). */
  set(callback: () => void, delayMs: number, keepAlive: boolean): unknown;
  clear(handle: unknown): void;
}

export interface TokenRefillOptions {
  /** Monotonic clock in milliseconds; default performance.now (a wall clock could jump). */
  readonly now?: (() => number) | undefined;
  /** Shortest pause between two refill steps; several tokens are added per step above 60000/minTickMs rpm. */
  readonly minTickMs?: number | undefined;
  /** The limiter's concurrency cap, so tokens are carried only for jobs that could start now. */
  readonly maxConcurrent?: number | undefined;
  readonly timers?: RefillTimers | undefined;
}

const nodeTimers: RefillTimers = {
  set(callback, delayMs, keepAlive) {
    const timer = setTimeout(callback, delayMs);
    if (!keepAlive) timer.unref();
    return timer;
  },
  clear(handle) {
    clearTimeout(handle as ReturnType<typeof setTimeout>);
  },
};

/** Guards floor() against 2.9999999 when a token is due exactly now. */
const EPSILON = 1e-9;

/**
 * Refills a limiter's token bucket at exactly `requestsPerMinute` in the long run.
 *
 * Why not Bottleneck's own `reservoirIncrease*` options: its local datastore checks them
 * once per `heartbeatInterval` tick (250 ms by default), adds at most one
 * `reservoirIncreaseAmount` per tick, and sets `lastReservoirIncrease = Date.now()` of the
 * tick that fired. An interval below the heartbeat therefore fires only once per tick
 * (600 rpm → 240 rpm); an interval that is not a multiple of the heartbeat waits for the next
 * tick (amount 3 / interval 300 ms fires every 500 ms); and even a matching heartbeat loses
 * each tick's lateness, plus a whole tick whenever a timer fires a millisecond "early" by
 * `Date.now()` (measured: 571 rpm for 600 rpm with heartbeat = interval = 100 ms).
 *
 * This refill counts tokens from a fixed epoch instead: after `t` ms, exactly
 * floor(t * rpm / 60000) tokens have been earned, however late the timer fires. Each step
 * adds the tokens earned since the last step, capped at the bucket size, except that tokens
 * are carried past the cap for jobs that are queued and could start right now (a late step
 * must not throw away tokens a waiting job would have taken the moment they appeared).
 * Steps are timed for the moment the next token is due, so a waiting job starts within a
 * few milliseconds of its token.
 *
 * When the bucket is full and the limiter holds no job, the refill sleeps (no timer);
 * `touch()` wakes it and restarts the epoch, which is exact for a full bucket: a full bucket
 * discards whatever it would have earned. The timer keeps the process alive only while the
 * limiter holds a job.
 */
export class TokenRefill {
  private readonly msPerToken: number;
  private readonly now: () => number;
  private readonly minTickMs: number;
  private readonly maxConcurrent: number | undefined;
  private readonly timers: RefillTimers;
  /** Tokens are earned from here on. */
  private epoch = 0;
  /** Tokens earned since `epoch` and already handed to (or discarded by) the bucket. */
  private accounted = 0;
  private sleeping = true;
  private stopped = false;
  private stepping = false;
  private timer: unknown = undefined;
  private timerKeepsAlive = false;
  /** Bumped by every touch(); a step only goes to sleep when no job arrived while it read the bucket. */
  private activity = 0;

  constructor(
    private readonly port: ReservoirPort,
    private readonly bucket: TokenBucket,
    options: TokenRefillOptions = {},
  ) {
    this.msPerToken = 60_000 / bucket.requestsPerMinute;
    this.now = options.now ?? (() => performance.now());
    this.minTickMs = options.minTickMs ?? 5;
    this.maxConcurrent = options.maxConcurrent;
    this.timers = options.timers ?? nodeTimers;
  }

  /** Call right after a job entered the limiter: wakes the refill if it was sleeping on a full bucket. */
  touch(): void {
    this.activity++;
    if (this.stopped) return;
    if (!this.sleeping) {
      // A timer armed while the limiter was empty does not hold the process open; now it must.
      if (this.timer !== undefined && !this.timerKeepsAlive && !this.port.isEmpty()) {
        this.timers.clear(this.timer);
        this.timer = undefined;
        this.arm();
      }
      return;
    }
    this.sleeping = false;
    this.epoch = this.now();
    this.accounted = 0;
    this.arm();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) this.timers.clear(this.timer);
    this.timer = undefined;
  }

  /** True while no timer is armed because the bucket is full and the limiter idle. */
  get isSleeping(): boolean {
    return this.sleeping;
  }

  /** Tokens earned between the epoch and `at`. */
  private earnedAt(at: number): number {
    return Math.floor((at - this.epoch) / this.msPerToken + EPSILON);
  }

  /** One refill step. The timer calls it; tests may call it directly. */
  async step(): Promise<void> {
    this.timer = undefined;
    if (this.stopped || this.stepping) return;
    this.stepping = true;
    try {
      const activityBefore = this.activity;
      const emptyBefore = this.port.isEmpty();
      const earned = this.earnedAt(this.now());
      const due = Math.max(0, earned - this.accounted);
      this.accounted = Math.max(this.accounted, earned);

      const [reservoir, running] = await Promise.all([this.port.currentReservoir(), this.port.running()]);
      if (this.stopped) return;
      let level = reservoir ?? 0;
      if (due > 0) {
        // Only our refill adds tokens, so `level` can only have dropped since it was read, and
        // each job that took a token meanwhile also left the queue: `room` stays right.
        const freeSlots = this.maxConcurrent === undefined ? Number.POSITIVE_INFINITY : Math.max(0, this.maxConcurrent - running);
        const waiters = Math.min(this.port.queued(), freeSlots);
        const room = Math.max(0, this.bucket.burst + waiters - level);
        const add = Math.min(due, room);
        if (add > 0) level = await this.port.incrementReservoir(add);
        if (this.stopped) return;
      }

      const idle = emptyBefore && this.port.isEmpty() && this.activity === activityBefore;
      if (idle && level >= this.bucket.burst) {
        // Tokens carried for waiters that then left (aborted, stopped) must not enlarge the burst.
        if (level > this.bucket.burst) await this.port.incrementReservoir(this.bucket.burst - level);
        if (this.activity === activityBefore) {
          this.sleeping = true;
          return;
        }
      }
      this.arm();
    } catch {
      // The local datastore does not fail; a clustered one might. Try again on the next step.
      this.arm();
    } finally {
      this.stepping = false;
    }
  }

  private arm(): void {
    if (this.stopped || this.timer !== undefined) return;
    const nextTokenAt = this.epoch + (this.accounted + 1) * this.msPerToken;
    const delay = Math.max(this.minTickMs, Math.ceil(nextTokenAt - this.now()));
    this.timerKeepsAlive = !this.port.isEmpty();
    this.timer = this.timers.set(() => void this.step(), delay, this.timerKeepsAlive);
  }
}
