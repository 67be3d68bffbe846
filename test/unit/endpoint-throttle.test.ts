import { describe, it, expect } from "vitest";
import { ModelbusError } from "../../src/core/modelbus-error.ts";
import { EndpointThrottle } from "../../src/throttle/endpoint-throttle.ts";
import { gate, rejection, sleep, waitFor, within } from "../support/async-probes.ts";

describe("EndpointThrottle: concurrency", () => {
  it("runs at most maxConcurrent jobs at a time and completes all of them", async () => {
    const throttle = new EndpointThrottle("conc", { maxConcurrent: 2, maxQueue: 100 });
    let current = 0;
    let peak = 0;
    const results = await within(
      Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          throttle.schedule(async () => {
            current++;
            peak = Math.max(peak, current);
            await sleep(25);
            current--;
            return i;
          }),
        ),
      ),
      3_000,
    );
    expect(peak).toBe(2);
    expect(results).toEqual([0, 1, 2, 3, 4, 5]);
    expect(throttle.stats()).toMatchObject({ queued: 0, running: 0, started: 6 });
    await throttle.stop();
  });

  it("releases the slot when fn throws", async () => {
    const throttle = new EndpointThrottle("throws", { maxConcurrent: 1, maxQueue: 100 });
    const boom = new Error("boom");
    const failing = throttle.schedule(async () => {
      await sleep(5);
      throw boom;
    });
    const others = [1, 2, 3].map((i) => throttle.schedule(async () => i));
    expect(await rejection(failing)).toBe(boom);
    // With a leaked slot these would wait forever; `within` turns that into a failure.
    expect(await within(Promise.all(others), 2_000)).toEqual([1, 2, 3]);
    expect(throttle.stats()).toMatchObject({ queued: 0, running: 0 });
    await throttle.stop();
  });

  it("releases the slot when fn throws synchronously", async () => {
    const throttle = new EndpointThrottle("throws-sync", { maxConcurrent: 1, maxQueue: 100 });
    const boom = new Error("sync boom");
    const failing = throttle.schedule((): Promise<number> => {
      throw boom;
    });
    expect(await rejection(failing)).toBe(boom);
    expect(
      await within(
        throttle.schedule(async () => "next"),
        2_000,
      ),
    ).toBe("next");
    expect(throttle.stats().running).toBe(0);
    await throttle.stop();
  });
});

describe("EndpointThrottle: token bucket", () => {
  async function startTimes(throttle: EndpointThrottle, jobs: number): Promise<number[]> {
    const t0 = performance.now();
    const starts: number[] = [];
    await within(
      Promise.all(
        Array.from({ length: jobs }, () =>
          throttle.schedule(async () => {
            starts.push(performance.now() - t0);
          }),
        ),
      ),
      5_000,
    );
    return starts;
  }

  it("600 rpm with burst 2: two jobs at once, then one every ~100 ms (no heartbeat under-refill)", async () => {
    const throttle = new EndpointThrottle("rpm600", { requestsPerMinute: 600, burst: 2, maxQueue: 100 });
    const starts = await startTimes(throttle, 8);
    expect(starts).toHaveLength(8);
    expect(starts[0]).toBeLessThan(50);
    expect(starts[1]).toBeLessThan(50);
    // The third job needs a refilled token: not before ~100 ms.
    expect(starts[2]).toBeGreaterThanOrEqual(90);
    const total = starts[7] ?? Number.NaN;
    expect(total).toBeGreaterThanOrEqual(550);
    expect(total).toBeLessThan(1_200);
    const gaps = starts.slice(2).map((at, i) => at - (starts[i + 1] ?? Number.NaN));
    const averageGap = gaps.reduce((sum, gap) => sum + gap, 0) / gaps.length;
    expect(averageGap).toBeGreaterThan(85);
    expect(averageGap).toBeLessThan(130);
    // Tokens come one by one, not in chunks.
    expect(Math.min(...gaps)).toBeGreaterThan(40);
    await throttle.stop();
  });

  it("6000 rpm with burst 1 runs at ~100 jobs per second", async () => {
    const throttle = new EndpointThrottle("rpm6000", { requestsPerMinute: 6_000, burst: 1, maxQueue: 1_000 });
    const starts = await startTimes(throttle, 41);
    const elapsed = (starts[40] ?? Number.NaN) - (starts[0] ?? Number.NaN);
    // 40 tokens at 10 ms each after the first job.
    expect(elapsed).toBeGreaterThanOrEqual(380);
    expect(elapsed).toBeLessThan(600);
    const perMinute = (40 / elapsed) * 60_000;
    expect(perMinute).toBeGreaterThan(5_000);
    expect(perMinute).toBeLessThanOrEqual(6_300);
    await throttle.stop();
  });

  it("burst defaults to requestsPerMinute", async () => {
    const throttle = new EndpointThrottle("burst-default", { requestsPerMinute: 5, maxQueue: 100 });
    expect(throttle.limits.bucket).toEqual({ requestsPerMinute: 5, burst: 5 });
    const starts = await startTimes(throttle, 5);
    expect(Math.max(...starts)).toBeLessThan(100);
    await throttle.stop();
  });
});

describe("EndpointThrottle: bounded queue", () => {
  it("rejects at once with E_THROTTLE_QUEUE_FULL when max_queue jobs wait; the queued ones still run", async () => {
    const throttle = new EndpointThrottle("tiny", { maxConcurrent: 1, maxQueue: 2 });
    const hold = gate();
    const first = throttle.schedule(() => hold.promise.then(() => "first"));
    await waitFor(() => throttle.stats().running === 1);
    const second = throttle.schedule(async () => "second");
    const third = throttle.schedule(async () => "third");
    expect(throttle.stats().queued).toBe(2);

    const askedAt = performance.now();
    const error = await within(rejection(throttle.schedule(async () => "fourth")), 1_000);
    expect(performance.now() - askedAt).toBeLessThan(200);
    expect(error).toBeInstanceOf(ModelbusError);
    expect((error as ModelbusError).code).toBe("E_THROTTLE_QUEUE_FULL");
    expect((error as ModelbusError).message).toBe('throttle queue for endpoint "tiny" is full (max_queue=2)');
    expect(throttle.stats()).toMatchObject({ queued: 2, running: 1, rejectedQueueFull: 1 });

    hold.open();
    expect(await within(Promise.all([first, second, third]), 2_000)).toEqual(["first", "second", "third"]);
    expect(throttle.stats()).toMatchObject({ queued: 0, running: 0 });
    await throttle.stop();
  });

  it("applies max_queue to jobs waiting for tokens too", async () => {
    const throttle = new EndpointThrottle("tokens-queue", { requestsPerMinute: 60, burst: 1, maxQueue: 1 });
    expect(await throttle.schedule(async () => 1)).toBe(1); // takes the only token
    const waiting = throttle.schedule(async () => 2); // waits ~1 s for a token
    const error = await within(rejection(throttle.schedule(async () => 3)), 1_000);
    expect((error as ModelbusError).code).toBe("E_THROTTLE_QUEUE_FULL");
    const stopping = throttle.stop();
    expect((await rejection(waiting)) as ModelbusError).toMatchObject({ code: "E_CANCELLED" });
    await stopping;
  });
});

describe("EndpointThrottle: abort", () => {
  it("rejects promptly when the signal aborts while queued, and never calls fn", async () => {
    const throttle = new EndpointThrottle("abort", { maxConcurrent: 1, maxQueue: 10 });
    const hold = gate();
    const holder = throttle.schedule(() => hold.promise);
    await waitFor(() => throttle.stats().running === 1);

    const controller = new AbortController();
    let called = false;
    const queued = throttle.schedule(
      async () => {
        called = true;
      },
      { signal: controller.signal },
    );
    await sleep(10);
    expect(throttle.stats().queued).toBe(1);
    const abortedAt = performance.now();
    controller.abort(new Error("client went away"));
    const error = await within(rejection(queued), 500);
    expect(performance.now() - abortedAt).toBeLessThan(50);
    expect(error).toBeInstanceOf(ModelbusError);
    expect((error as ModelbusError).code).toBe("E_CANCELLED");
    expect(throttle.stats().queued).toBe(0);

    hold.open();
    await holder;
    // The aborted job left the queue: the next job runs, and the aborted fn never does.
    await within(
      throttle.schedule(async () => {}),
      1_000,
    );
    expect(called).toBe(false);
    expect(throttle.stats()).toMatchObject({ queued: 0, running: 0, started: 2 });
    await throttle.stop();
  });

  it("an aborted job frees its max_queue place at once", async () => {
    const throttle = new EndpointThrottle("abort-place", { maxConcurrent: 1, maxQueue: 1 });
    const hold = gate();
    const holder = throttle.schedule(() => hold.promise);
    const controller = new AbortController();
    const queued = throttle.schedule(async () => "aborted", { signal: controller.signal });
    expect(((await rejection(throttle.schedule(async () => "refused"))) as ModelbusError).code).toBe("E_THROTTLE_QUEUE_FULL");
    controller.abort();
    expect(((await rejection(queued)) as ModelbusError).code).toBe("E_CANCELLED");
    // Before: the aborted job kept its place until it reached the front, so this was refused too.
    const next = throttle.schedule(async () => "next");
    expect(throttle.stats()).toMatchObject({ queued: 1, rejectedQueueFull: 1 });
    hold.open();
    await holder;
    expect(await within(next, 1_000)).toBe("next");
    await throttle.stop();
  });

  it("rejects with the signal's reason when it is a ModelbusError", async () => {
    const throttle = new EndpointThrottle("abort-reason", { maxConcurrent: 1, maxQueue: 10 });
    const hold = gate();
    const holder = throttle.schedule(() => hold.promise);
    const controller = new AbortController();
    const queued = throttle.schedule(async () => {}, { signal: controller.signal });
    const timeout = new ModelbusError({ code: "E_PROVIDER_TIMEOUT", message: "request timed out after 10ms" });
    controller.abort(timeout);
    expect(await within(rejection(queued), 500)).toBe(timeout);
    hold.open();
    await holder;
    await throttle.stop();
  });

  it("rejects before queueing when the signal is already aborted", async () => {
    const throttle = new EndpointThrottle("pre-aborted", { maxConcurrent: 1, maxQueue: 10 });
    let called = false;
    const promise = throttle.schedule(
      async () => {
        called = true;
      },
      { signal: AbortSignal.abort() },
    );
    expect(throttle.stats().queued).toBe(0);
    const error = await within(rejection(promise), 500);
    expect((error as ModelbusError).code).toBe("E_CANCELLED");
    await sleep(10);
    expect(called).toBe(false);
    expect(throttle.stats()).toMatchObject({ queued: 0, running: 0, started: 0 });
    await throttle.stop();
  });
});

describe("EndpointThrottle: unlimited path", () => {
  it("calls fn directly: 10,000 calls finish quickly and stats return to 0/0", async () => {
    const throttle = new EndpointThrottle("free", { maxQueue: 10 });
    expect(throttle.limits).toMatchObject({ bucket: undefined, maxConcurrent: undefined });
    const t0 = performance.now();
    const results = await Promise.all(Array.from({ length: 10_000 }, (_, i) => throttle.schedule(async () => i)));
    // Through Bottleneck's local datastore this would take seconds (each job costs ~2 setTimeout(0) turns).
    expect(performance.now() - t0).toBeLessThan(500);
    expect(results[9_999]).toBe(9_999);
    expect(throttle.stats()).toMatchObject({ queued: 0, running: 0, started: 10_000 });
    await throttle.stop();
  });

  it("still counts calls in flight", async () => {
    const throttle = new EndpointThrottle("free-running", { maxQueue: 10 });
    const hold = gate();
    const both = Promise.all([throttle.schedule(() => hold.promise), throttle.schedule(() => hold.promise)]);
    expect(throttle.stats()).toMatchObject({ queued: 0, running: 2 });
    hold.open();
    await both;
    expect(throttle.stats().running).toBe(0);
    await throttle.stop();
  });
});

describe("EndpointThrottle: wait accounting and stop", () => {
  it("reports each job's wait before fn started", async () => {
    const waits: number[] = [];
    const throttle = new EndpointThrottle("waits", { maxConcurrent: 1, maxQueue: 10 }, { onWait: (ms) => waits.push(ms) });
    await Promise.all([throttle.schedule(() => sleep(60)), throttle.schedule(async () => {})]);
    expect(waits).toHaveLength(2);
    expect(waits[0]).toBeLessThan(30);
    expect(waits[1]).toBeGreaterThanOrEqual(50);
    expect(throttle.stats().waitedMsTotal).toBeCloseTo((waits[0] ?? 0) + (waits[1] ?? 0), 6);
    await throttle.stop();
  });

  it("uses the injected clock for waits", async () => {
    let clock = 1_000;
    const waits: number[] = [];
    const throttle = new EndpointThrottle("clock", { maxConcurrent: 1, maxQueue: 10 }, { onWait: (ms) => waits.push(ms), now: () => clock });
    const hold = gate();
    const holder = throttle.schedule(() => hold.promise);
    const second = throttle.schedule(async () => {});
    await waitFor(() => throttle.stats().running === 1);
    clock += 250;
    hold.open();
    await Promise.all([holder, second]);
    expect(waits).toEqual([0, 250]);
    await throttle.stop();
  });

  it("stop() rejects waiting jobs with E_CANCELLED, lets running ones finish, then refuses new jobs", async () => {
    const throttle = new EndpointThrottle("stopping", { maxConcurrent: 1, maxQueue: 10 });
    const hold = gate();
    let finished = false;
    const running = throttle.schedule(async () => {
      await hold.promise;
      finished = true;
      return "done";
    });
    await waitFor(() => throttle.stats().running === 1);
    const waiting = throttle.schedule(async () => "never");
    let stopped = false;
    const stopping = throttle.stop().then(() => {
      stopped = true;
    });
    expect(((await within(rejection(waiting), 1_000)) as ModelbusError).code).toBe("E_CANCELLED");
    await sleep(20);
    expect(stopped).toBe(false);
    hold.open();
    expect(await running).toBe("done");
    await within(stopping, 1_000);
    expect(finished).toBe(true);
    expect(((await rejection(throttle.schedule(async () => 1))) as ModelbusError).code).toBe("E_CANCELLED");
    expect(throttle.stop()).toBe(throttle.stop());
  });
});

describe("EndpointThrottle: limits", () => {
  it("refuses nonsense limits with E_CONFIG_INVALID", () => {
    expect(() => new EndpointThrottle("bad", { requestsPerMinute: -1, maxQueue: 1 })).toThrow(ModelbusError);
    expect(() => new EndpointThrottle("bad", { requestsPerMinute: 60, burst: 0, maxQueue: 1 })).toThrow(/burst/);
    expect(() => new EndpointThrottle("bad", { maxConcurrent: 1.5, maxQueue: 1 })).toThrow(/max_concurrent/);
    expect(() => new EndpointThrottle("bad", { maxConcurrent: 1, maxQueue: -1 })).toThrow(/max_queue/);
  });
});
