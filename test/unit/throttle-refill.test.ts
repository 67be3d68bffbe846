import { describe, it, expect } from "vitest";
import { LocalRequestLimiter, type LocalLimits } from "../../src/throttle/local-request-limiter.ts";
import type { ThrottleTimers } from "../../src/throttle/throttle-timers.ts";

/** Lets every pending promise callback run (the limiter releases slots and starts jobs in them). */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * A simulated clock and the timers that run on it: nothing fires until the test advances the
 * clock. `lateness` delays each firing past its due time (a busy event loop).
 */
function virtualTime(lateness: () => number = () => 0) {
  let clock = 0;
  let nextId = 1;
  let armedTotal = 0;
  const pending = new Map<number, { at: number; callback: () => void; keepAlive: boolean }>();
  const timers: ThrottleTimers = {
    set(callback, delayMs, keepAlive) {
      armedTotal++;
      const id = nextId++;
      pending.set(id, { at: clock + delayMs + lateness(), callback, keepAlive });
      return id;
    },
    clear(handle) {
      pending.delete(handle as number);
    },
  };
  return {
    now: () => clock,
    timers,
    /** Delays (from now) of the armed timers. */
    armed: () => [...pending.values()].map((timer) => timer.at - clock),
    /** True when every armed timer keeps the process alive. */
    keepsAlive: () => [...pending.values()].every((timer) => timer.keepAlive),
    armedTotal: () => armedTotal,
    /** Advances to `until`, firing the due timers in order (settling promises after each). */
    async advanceTo(until: number): Promise<void> {
      for (;;) {
        const next = [...pending.entries()].sort((a, b) => a[1].at - b[1].at)[0];
        if (next === undefined || next[1].at > until) break;
        pending.delete(next[0]);
        clock = Math.max(clock, next[1].at);
        next[1].callback();
        await settle();
      }
      clock = Math.max(clock, until);
      await settle();
    },
  };
}

/** Deterministic pseudo-random numbers in [0, 1). */
function lcg(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
}

/** Queues `jobs` jobs that finish at once; `starts` records the clock at each start. */
function saturate(limiter: LocalRequestLimiter, now: () => number, jobs: number): { starts: number[]; all: Promise<unknown> } {
  const starts: number[] = [];
  const all = Promise.allSettled(
    Array.from({ length: jobs }, () =>
      limiter.schedule(async () => {
        starts.push(now());
      }),
    ),
  );
  return { starts, all };
}

const unbounded = (bucket: LocalLimits["bucket"], maxConcurrent?: number): LocalLimits => ({
  bucket,
  maxConcurrent,
  maxQueue: Number.POSITIVE_INFINITY,
});

describe("LocalRequestLimiter: request bucket refill", () => {
  it("600 rpm with burst 1: exactly 601 starts in a simulated minute (the full bucket, then one per 100 ms), one timer per token", async () => {
    const time = virtualTime();
    const limiter = new LocalRequestLimiter(unbounded({ requestsPerMinute: 600, burst: 1 }), time);
    const { starts } = saturate(limiter, time.now, 1_000);
    expect(starts).toEqual([0]); // the bucket's one token, synchronously
    await time.advanceTo(60_000);
    expect(starts).toHaveLength(601);
    expect(starts.every((at, index) => at === index * 100)).toBe(true);
    // Never polls: one timer per token it waited for.
    expect(time.armedTotal()).toBe(601);
    await limiter.stop("done");
  });

  it("loses nothing and never drifts when the timers fire late", async () => {
    const random = lcg(42);
    // Firings up to 47 ms late: often several tokens' worth at 6,000 rpm.
    const time = virtualTime(() => Math.floor(random() * 48));
    const limiter = new LocalRequestLimiter(unbounded({ requestsPerMinute: 6_000, burst: 1 }), time);
    const { starts } = saturate(limiter, time.now, 10_000);
    await time.advanceTo(60_000);
    const last = starts.at(-1) ?? Number.NaN;
    // Every token earned by the last firing has been used: the first job's, then one per 10 ms.
    expect(starts).toHaveLength(1 + Math.floor(last / 10));
    expect(starts.length).toBeGreaterThanOrEqual(5_995);
    await limiter.stop("done");
  });

  it("an uneven rate (7 rpm): each start at its token's due time, never before, at most 1 ms after, over an hour", async () => {
    const time = virtualTime();
    const limiter = new LocalRequestLimiter(unbounded({ requestsPerMinute: 7, burst: 1 }), time);
    const { starts } = saturate(limiter, time.now, 1_000);
    await time.advanceTo(3_600_000);
    expect(starts).toHaveLength(1 + 7 * 60);
    const msPerToken = 60_000 / 7;
    starts.forEach((at, k) => {
      expect(at).toBeGreaterThanOrEqual(k * msPerToken - 1e-3);
      expect(at).toBeLessThanOrEqual(k * msPerToken + 1);
    });
    await limiter.stop("done");
  });

  it("never fills an idle bucket beyond burst, and arms no timer while nothing waits", async () => {
    const time = virtualTime();
    const limiter = new LocalRequestLimiter(unbounded({ requestsPerMinute: 600, burst: 3 }), time);
    const first = saturate(limiter, time.now, 3);
    expect(first.starts).toEqual([0, 0, 0]);
    await first.all;
    expect(time.armed()).toEqual([]);

    await time.advanceTo(10_000); // 100 tokens' worth of time: the bucket holds 3
    const second = saturate(limiter, time.now, 5);
    expect(second.starts).toEqual([10_000, 10_000, 10_000]);
    expect(time.armed()).toEqual([100]); // one timer, for the 4th job's token
    expect(time.keepsAlive()).toBe(true); // a job waits on it
    await time.advanceTo(10_200);
    expect(second.starts).toEqual([10_000, 10_000, 10_000, 10_100, 10_200]);
    expect(time.armed()).toEqual([]);
    await limiter.stop("done");
  });

  it("times the timer for the next token, counting the time already elapsed (no restart on a late job)", async () => {
    const time = virtualTime();
    const limiter = new LocalRequestLimiter(unbounded({ requestsPerMinute: 600, burst: 1 }), time);
    saturate(limiter, time.now, 1); // takes the token at 0
    await time.advanceTo(60);
    const { starts } = saturate(limiter, time.now, 1); // 0.6 of a token: it waits
    expect(starts).toEqual([]);
    expect(time.armed()).toEqual([40]); // due at 100, not 160
    await time.advanceTo(100);
    expect(starts).toEqual([100]);
    await limiter.stop("done");
  });

  it("arms no timer while the head waits for a slot; the tokens earned meanwhile are there when the slot frees", async () => {
    const time = virtualTime();
    const limiter = new LocalRequestLimiter(unbounded({ requestsPerMinute: 600, burst: 1 }, 1), time);
    let finish = () => {};
    const holder = limiter.schedule(() => new Promise<void>((resolve) => (finish = resolve)));
    const { starts } = saturate(limiter, time.now, 2);
    expect(time.armed()).toEqual([]);
    await time.advanceTo(250); // 2.5 tokens earned, capped at burst 1
    finish();
    await holder;
    await settle();
    expect(starts).toEqual([250]); // the bucket's one token (2.5 earned, capped at burst)
    expect(time.armed()).toEqual([100]); // the next is 100 ms away, not 50
    await time.advanceTo(350);
    expect(starts).toEqual([250, 350]);
    await limiter.stop("done");
  });

  it("carries tokens past burst only for jobs that waited for them with a free slot", async () => {
    let late = 900;
    const time = virtualTime(() => late);
    const limiter = new LocalRequestLimiter(unbounded({ requestsPerMinute: 600, burst: 2 }), time);
    const hungry = saturate(limiter, time.now, 7); // 2 start on the full bucket, 5 wait for tokens
    late = 0;
    await time.advanceTo(1_000); // the timer due at 100 fires at 1,000: 10 tokens earned
    expect(hungry.starts).toEqual([0, 0, 1_000, 1_000, 1_000, 1_000, 1_000]);
    const next = saturate(limiter, time.now, 3); // the other 5 tokens were capped at burst 2
    expect(next.starts).toEqual([1_000, 1_000]);
    await limiter.stop("done");

    // The same 10 tokens earned while the waiting jobs lacked a slot, not a token: only burst of them count.
    const slotTime = virtualTime();
    const capped = new LocalRequestLimiter(unbounded({ requestsPerMinute: 600, burst: 2 }, 1), slotTime);
    let finish = () => {};
    const holder = capped.schedule(() => new Promise<void>((resolve) => (finish = resolve)));
    const waiting = saturate(capped, slotTime.now, 5);
    await slotTime.advanceTo(1_000);
    finish();
    await holder;
    await settle();
    expect(waiting.starts).toEqual([1_000, 1_000]);
    await slotTime.advanceTo(1_300);
    expect(waiting.starts).toEqual([1_000, 1_000, 1_100, 1_200, 1_300]);
    await capped.stop("done");
  });

  it("clears the timer when the last waiting job leaves", async () => {
    const time = virtualTime();
    const limiter = new LocalRequestLimiter(unbounded({ requestsPerMinute: 60, burst: 1 }), time);
    saturate(limiter, time.now, 1);
    const controller = new AbortController();
    const waiting = limiter.schedule(async () => {}, controller.signal);
    expect(time.armed()).toEqual([1_000]);
    controller.abort(new Error("gone"));
    await expect(waiting).rejects.toThrow("gone");
    expect(time.armed()).toEqual([]);
    await limiter.stop("done");
  });
});
