import { describe, it, expect } from "vitest";
import { EndpointThrottle } from "../../src/throttle/endpoint-throttle.ts";
import { LocalTokenStore } from "../../src/throttle/token-stores.ts";
import { gate, modelbusRejection as rejection, sleep, waitFor, within } from "../support/async-probes.ts";

/** Schedules a no-op job charged `tokens` and resolves to when (ms after t0) it started. */
function startAt(throttle: EndpointThrottle, t0: number, tokens: number, signal?: AbortSignal): Promise<number> {
  return throttle.schedule(async () => performance.now() - t0, { tokens, signal });
}

// 60,000 tokens per minute: one token per millisecond, and a capacity of 60,000.
const PER_MS = { tokensPerMinute: 60_000, maxQueue: 100 };

describe("LocalTokenStore", () => {
  it("refills continuously from the clock, caps at the capacity, allows debt and caps refunds", async () => {
    let clock = 0;
    const store = new LocalTokenStore(600, () => clock); // 10 tokens per second, capacity 600
    expect(store.currentLevel()).toBe(600);
    expect(await store.take(600)).toEqual({ taken: true });
    expect(await store.take(5)).toEqual({ taken: false, waitMs: 500 });
    clock = 250;
    expect(store.currentLevel()).toBeCloseTo(2.5, 9);
    clock = 500;
    expect(await store.take(5)).toEqual({ taken: true });
    await store.adjust(100); // used 100 more than charged: debt
    expect(store.currentLevel()).toBeCloseTo(-100, 9);
    await store.adjust(-10_000); // refund far beyond the capacity
    expect(store.currentLevel()).toBe(600);
    clock = 3_600_000; // an hour idle: still only the capacity
    expect(store.currentLevel()).toBe(600);
  });
});

describe("EndpointThrottle: token budget", () => {
  it("charges the estimate before the call and makes the next one wait for the refill", async () => {
    const throttle = new EndpointThrottle("tpm-wait", PER_MS);
    const t0 = performance.now();
    const first = await startAt(throttle, t0, 60_000); // the whole bucket
    const second = await within(startAt(throttle, t0, 300), 2_000);
    expect(first).toBeLessThan(50);
    expect(second - first).toBeGreaterThanOrEqual(280);
    expect(second - first).toBeLessThan(500);
    await throttle.stop();
  });

  it("calls within the budget start at once", async () => {
    const throttle = new EndpointThrottle("tpm-free", PER_MS);
    const t0 = performance.now();
    const starts = await Promise.all(Array.from({ length: 10 }, () => startAt(throttle, t0, 5_000)));
    expect(Math.max(...starts)).toBeLessThan(50);
    await throttle.stop();
  });

  it("a refund lets the waiting call start at once", async () => {
    const throttle = new EndpointThrottle("tpm-refund", PER_MS);
    const t0 = performance.now();
    await startAt(throttle, t0, 60_000);
    const waiting = startAt(throttle, t0, 30_000); // would wait 30 s
    await sleep(30);
    expect(throttle.stats().queued).toBe(1);
    const refundedAt = performance.now() - t0;
    await throttle.adjustTokens(-40_000); // the first call used 20,000 of its 60,000
    expect((await within(waiting, 1_000)) - refundedAt).toBeLessThan(50);
    await throttle.stop();
  });

  it("a positive adjustment is debt that later calls wait out", async () => {
    const throttle = new EndpointThrottle("tpm-debt", PER_MS);
    const t0 = performance.now();
    await startAt(throttle, t0, 60_000);
    const adjustedAt = performance.now() - t0;
    await throttle.adjustTokens(200); // the call used 200 more than estimated
    const next = await within(startAt(throttle, t0, 100), 2_000);
    // 200 tokens of debt plus 100 for the call: ~300 ms at one token per ms.
    expect(next - adjustedAt).toBeGreaterThanOrEqual(280);
    expect(next - adjustedAt).toBeLessThan(500);
    await throttle.stop();
  });

  it("clamps an estimate above the capacity: it waits for a full bucket only, and the rest becomes debt", async () => {
    let clock = 0;
    const throttle = new EndpointThrottle("tpm-clamp", { tokensPerMinute: 600, maxQueue: 10 }, { now: () => clock });
    await throttle.schedule(async () => {}, { tokens: 600 }); // empties the bucket
    let bigStarted = false;
    const big = throttle.schedule(
      async () => {
        bigStarted = true;
      },
      { tokens: 1_000_000 },
    );
    clock = 59_000; // 590 tokens: not yet a full bucket
    await sleep(1_100); // the waiting head asks again at least every second
    expect(bigStarted).toBe(false);
    clock = 60_000; // a full bucket: enough for the clamped charge
    await within(big, 1_500);
    // The other 999,400 tokens are debt: a small call now waits (here: ~100,000 fake seconds).
    let smallStarted = false;
    const small = throttle.schedule(
      async () => {
        smallStarted = true;
      },
      { tokens: 1 },
    );
    await sleep(50);
    expect(smallStarted).toBe(false);
    await throttle.adjustTokens(-1_000_000); // actual usage was far below the estimate
    await within(small, 1_500);
    await throttle.stop();
  }, 10_000);

  it("serves the line in order: a large charge is not overtaken by small ones", async () => {
    const throttle = new EndpointThrottle("tpm-fifo", PER_MS);
    const t0 = performance.now();
    await startAt(throttle, t0, 60_000);
    const order: string[] = [];
    const large = throttle.schedule(async () => void order.push("large"), { tokens: 200 });
    const small = throttle.schedule(async () => void order.push("small"), { tokens: 1 });
    await within(Promise.all([large, small]), 2_000);
    expect(order).toEqual(["large", "small"]);
    await throttle.stop();
  });

  it("an abort while waiting for tokens leaves the line at once and charges nothing", async () => {
    const throttle = new EndpointThrottle("tpm-abort", PER_MS);
    const t0 = performance.now();
    await startAt(throttle, t0, 60_000);
    const controller = new AbortController();
    const aborted = startAt(throttle, t0, 500, controller.signal);
    await sleep(20);
    controller.abort();
    const error = await within(rejection(aborted), 100);
    expect(error.code).toBe("E_CANCELLED");
    expect(throttle.stats().queued).toBe(0);
    // Had the aborted call been charged, this one would start ~800 ms in, not ~300 ms.
    const next = await within(startAt(throttle, t0, 300), 2_000);
    expect(next).toBeLessThan(500);
    await throttle.stop();
  });

  it("refunds the charge of a call aborted while it waited for a slot", async () => {
    const throttle = new EndpointThrottle("tpm-abort-slot", { ...PER_MS, maxConcurrent: 1 });
    const hold = gate();
    const holder = throttle.schedule(() => hold.promise, { tokens: 0 });
    await waitFor(() => throttle.stats().running === 1);
    const controller = new AbortController();
    const aborted = throttle.schedule(async () => {}, { tokens: 60_000, signal: controller.signal });
    await sleep(20); // it got the whole bucket and now waits for the slot
    controller.abort();
    expect((await within(rejection(aborted), 100)).code).toBe("E_CANCELLED");
    hold.open();
    await holder;
    // Without the refund this would wait a minute for the bucket.
    await within(
      throttle.schedule(async () => {}, { tokens: 60_000 }),
      1_000,
    );
    await throttle.stop();
  });

  it("max_queue counts calls waiting for tokens and for slots together", async () => {
    const throttle = new EndpointThrottle("tpm-queue", { tokensPerMinute: 60_000, maxConcurrent: 1, maxQueue: 2 });
    const hold = gate();
    const holder = throttle.schedule(() => hold.promise, { tokens: 59_000 });
    await waitFor(() => throttle.stats().running === 1);
    const forSlot = throttle.schedule(async () => "slot", { tokens: 1_000 }); // tokens there, waits for the slot
    const forTokens = throttle.schedule(async () => "tokens", { tokens: 100 }); // waits for tokens
    await sleep(10);
    expect(throttle.stats().queued).toBe(2);
    const error = await within(rejection(throttle.schedule(async () => "refused", { tokens: 0 })), 100);
    expect(error.code).toBe("E_THROTTLE_QUEUE_FULL");
    expect(throttle.stats().rejectedQueueFull).toBe(1);
    hold.open();
    expect(await within(Promise.all([holder, forSlot, forTokens]), 2_000)).toEqual([undefined, "slot", "tokens"]);
    await throttle.stop();
  });

  it("counts the token wait in onWait and in stats", async () => {
    const waits: number[] = [];
    const throttle = new EndpointThrottle("tpm-waits", PER_MS, { onWait: (ms) => waits.push(ms) });
    await throttle.schedule(async () => {}, { tokens: 60_000 });
    await throttle.schedule(async () => {}, { tokens: 100 });
    expect(waits).toHaveLength(2);
    expect(waits[1]).toBeGreaterThanOrEqual(90);
    expect(throttle.stats()).toMatchObject({ queued: 0, running: 0, started: 2 });
    await throttle.stop();
  });

  it("stop() rejects calls waiting for tokens with E_CANCELLED", async () => {
    const throttle = new EndpointThrottle("tpm-stop", PER_MS);
    await throttle.schedule(async () => {}, { tokens: 60_000 });
    const waiting = throttle.schedule(async () => {}, { tokens: 30_000 });
    await sleep(10);
    await within(throttle.stop(), 500);
    expect((await rejection(waiting)).code).toBe("E_CANCELLED");
  });

  it("refuses a negative or non-numeric estimate", async () => {
    const throttle = new EndpointThrottle("tpm-bad", PER_MS);
    expect((await rejection(throttle.schedule(async () => {}, { tokens: -1 }))).code).toBe("E_INTERNAL");
    expect((await rejection(throttle.schedule(async () => {}, { tokens: Number.NaN }))).code).toBe("E_INTERNAL");
    await throttle.stop();
  });

  it("ignores tokens and adjustments when the endpoint has no token budget", async () => {
    const throttle = new EndpointThrottle("no-tpm", { maxConcurrent: 1, maxQueue: 10 });
    expect(throttle.limits.tokensPerMinute).toBeUndefined();
    await within(
      throttle.schedule(async () => {}, { tokens: 1e12 }),
      500,
    );
    await throttle.adjustTokens(1e12);
    await within(
      throttle.schedule(async () => {}, { tokens: 1e12 }),
      500,
    );
    await throttle.stop();
  });

  it("refuses max_queue 0 with a token budget (every call waits in line first)", () => {
    expect(() => new EndpointThrottle("bad", { tokensPerMinute: 1_000, maxQueue: 0 })).toThrow(/max_queue/);
    expect(() => new EndpointThrottle("bad", { tokensPerMinute: -5, maxQueue: 1 })).toThrow(/tokens_per_minute/);
  });
});
