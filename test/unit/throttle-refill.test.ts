import { describe, it, expect } from "vitest";
import { TokenRefill, type RefillTimers, type ReservoirPort } from "../../src/throttle/token-refill.ts";

/**
 * A limiter stand-in: `queue` jobs wait; every job that can start (token + free slot) starts
 * at once when tokens are added, and finishes immediately unless `running` is pinned.
 */
class FakeLimiter implements ReservoirPort {
  reservoir: number;
  queue = 0;
  runningNow = 0;
  started = 0;
  constructor(
    burst: number,
    private readonly maxConcurrent = Number.POSITIVE_INFINITY,
  ) {
    this.reservoir = burst;
  }
  async currentReservoir(): Promise<number> {
    return this.reservoir;
  }
  async running(): Promise<number> {
    return this.runningNow;
  }
  async incrementReservoir(by: number): Promise<number> {
    this.reservoir += by;
    const level = this.reservoir;
    this.drain();
    return level;
  }
  queued(): number {
    return this.queue;
  }
  isEmpty(): boolean {
    return this.queue === 0 && this.runningNow === 0;
  }
  drain(): void {
    const n = Math.max(0, Math.min(this.queue, this.reservoir, this.maxConcurrent - this.runningNow));
    this.queue -= n;
    this.reservoir -= n;
    this.started += n;
  }
}

/** Timers the test fires by hand; `armed` is the last delay asked for, or undefined when none is armed. */
function manualTimers(): RefillTimers & { armed: number | undefined; keepAlive: boolean | undefined } {
  const timers = {
    armed: undefined as number | undefined,
    keepAlive: undefined as boolean | undefined,
    set(_callback: () => void, delayMs: number, keepAlive: boolean) {
      timers.armed = delayMs;
      timers.keepAlive = keepAlive;
      return delayMs;
    },
    clear() {
      timers.armed = undefined;
    },
  };
  return timers;
}

/** Deterministic pseudo-random lateness. */
function lcg(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
}

describe("TokenRefill", () => {
  it("gives exactly requestsPerMinute per minute under saturation, however late the steps run", async () => {
    let clock = 0;
    const limiter = new FakeLimiter(1);
    limiter.queue = 1_000_000;
    const timers = manualTimers();
    const refill = new TokenRefill(limiter, { requestsPerMinute: 6_000, burst: 1 }, { now: () => clock, timers });
    limiter.drain(); // the first job takes the full bucket
    refill.touch();
    const random = lcg(42);
    while (clock < 60_000) {
      // Steps 1–47 ms apart: often several tokens late, as a busy event loop would be.
      clock += 1 + Math.floor(random() * 47);
      await refill.step();
    }
    // burst 1 at the start, then one token per 10 ms since the epoch: nothing lost to the cap.
    expect(limiter.started).toBe(1 + Math.floor(clock / 10));
    expect(limiter.reservoir).toBe(0);
  });

  it("never fills an idle bucket beyond burst", async () => {
    let clock = 0;
    const limiter = new FakeLimiter(3);
    const timers = manualTimers();
    const refill = new TokenRefill(limiter, { requestsPerMinute: 600, burst: 3 }, { now: () => clock, timers });
    limiter.reservoir = 0; // three jobs took the tokens and finished
    refill.touch();
    clock = 10_000; // 100 tokens earned
    await refill.step();
    expect(limiter.reservoir).toBe(3);
    expect(refill.isSleeping).toBe(true);
  });

  it("carries tokens past burst only for queued jobs that have a free slot", async () => {
    let clock = 0;
    const limiter = new FakeLimiter(2, 1);
    limiter.runningNow = 1; // the only slot is busy: queued jobs wait for it, not for tokens
    limiter.reservoir = 0;
    limiter.queue = 5;
    const refill = new TokenRefill(limiter, { requestsPerMinute: 600, burst: 2 }, { now: () => clock, timers: manualTimers(), maxConcurrent: 1 });
    refill.touch();
    clock = 1_000; // 10 tokens earned
    await refill.step();
    expect(limiter.reservoir).toBe(2);
    expect(limiter.started).toBe(0);

    const free = new FakeLimiter(2);
    free.reservoir = 0;
    free.queue = 5;
    const refillFree = new TokenRefill(free, { requestsPerMinute: 600, burst: 2 }, { now: () => clock, timers: manualTimers() });
    refillFree.touch();
    clock += 1_000; // 10 tokens earned; 5 jobs were waiting for them
    await refillFree.step();
    expect(free.started).toBe(5);
    expect(free.reservoir).toBe(2);
  });

  it("times each step for the next token, sleeps on a full idle bucket, and restarts the epoch on wake", async () => {
    let clock = 0;
    const limiter = new FakeLimiter(1);
    const timers = manualTimers();
    const refill = new TokenRefill(limiter, { requestsPerMinute: 600, burst: 1 }, { now: () => clock, timers });
    expect(refill.isSleeping).toBe(true);
    expect(timers.armed).toBeUndefined();

    limiter.queue = 2;
    limiter.drain(); // one job starts with the only token, one waits
    refill.touch();
    expect(refill.isSleeping).toBe(false);
    expect(timers.armed).toBe(100);
    expect(timers.keepAlive).toBe(true); // a job waits: the timer must hold the process open

    clock = 40;
    await refill.step(); // early: no token yet
    expect(limiter.started).toBe(1);
    expect(timers.armed).toBe(60);

    clock = 103;
    await refill.step();
    expect(limiter.started).toBe(2);
    expect(timers.armed).toBe(97); // next token at 200, not 203: no drift

    clock = 250;
    timers.armed = undefined;
    await refill.step(); // token earned at 200 fills the bucket; nothing waits
    expect(limiter.reservoir).toBe(1);
    expect(refill.isSleeping).toBe(true);
    expect(timers.armed).toBeUndefined();

    clock = 5_000;
    limiter.queue = 1;
    limiter.drain();
    refill.touch();
    expect(timers.armed).toBe(100); // a full bucket had discarded its earnings: the first token is 100 ms away
  });

  it("does nothing after stop()", async () => {
    let clock = 0;
    const limiter = new FakeLimiter(1);
    limiter.queue = 3;
    limiter.drain();
    const timers = manualTimers();
    const refill = new TokenRefill(limiter, { requestsPerMinute: 600, burst: 1 }, { now: () => clock, timers });
    refill.touch();
    refill.stop();
    expect(timers.armed).toBeUndefined();
    clock = 1_000;
    await refill.step();
    expect(limiter.started).toBe(1);
    expect(timers.armed).toBeUndefined();
  });
});
