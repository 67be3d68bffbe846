import { describe, it, expect } from "vitest";
import Bottleneck from "bottleneck";
import type { ModelbusError } from "../../src/core/modelbus-error.ts";
import { bottleneckOptions } from "../../src/throttle/bottleneck-options.ts";
import { ThrottleRegistry } from "../../src/throttle/throttle-registry.ts";
import type { ThrottleLimits } from "../../src/throttle/throttle-limits.ts";

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected a rejection");
}

describe("ThrottleRegistry", () => {
  const limits = new Map<string, ThrottleLimits>([
    ["gpu-box", { maxConcurrent: 1, maxQueue: 10 }],
    ["openai", { requestsPerMinute: 600, burst: 5, maxQueue: 100 }],
  ]);

  it("creates one throttle per endpoint and hands the same one to every caller", async () => {
    const registry = new ThrottleRegistry(limits);
    const first = registry.for("gpu-box");
    expect(registry.for("gpu-box")).toBe(first);
    expect(registry.for("openai")).not.toBe(first);
    expect(first.limits.maxConcurrent).toBe(1);
    expect(registry.for("openai").limits.bucket).toEqual({ requestsPerMinute: 600, burst: 5 });
    await registry.stopAll();
  });

  it("shares the limit between callers: two aliases of one endpoint never run together", async () => {
    const registry = new ThrottleRegistry(limits);
    let current = 0;
    let peak = 0;
    const job = async () => {
      current++;
      peak = Math.max(peak, current);
      await sleep(10);
      current--;
    };
    await Promise.all([registry.for("gpu-box").schedule(job), registry.for("gpu-box").schedule(job), registry.for("gpu-box").schedule(job)]);
    expect(peak).toBe(1);
    await registry.stopAll();
  });

  it("gives an endpoint without limits a pass-through throttle", async () => {
    const registry = new ThrottleRegistry(limits);
    const free = registry.for("local-llama");
    expect(free.limits).toMatchObject({ bucket: undefined, maxConcurrent: undefined });
    let current = 0;
    let peak = 0;
    await Promise.all(
      Array.from({ length: 50 }, () =>
        free.schedule(async () => {
          current++;
          peak = Math.max(peak, current);
          await sleep(5);
          current--;
        }),
      ),
    );
    expect(peak).toBe(50);
    await registry.stopAll();
  });

  it("reports stats by endpoint and passes the endpoint name to onWait", async () => {
    const waits: [string, number][] = [];
    const registry = new ThrottleRegistry(limits, { onWait: (endpoint, ms) => waits.push([endpoint, ms]) });
    const gpu = registry.for("gpu-box");
    let release = () => {};
    const held = gpu.schedule(() => new Promise<void>((resolve) => (release = resolve)));
    const queued = gpu.schedule(async () => {});
    await sleep(20);
    expect(registry.stats()).toEqual({
      "gpu-box": { queued: 1, running: 1, started: 1, waitedMsTotal: expect.any(Number), rejectedQueueFull: 0 },
    });
    release();
    await Promise.all([held, queued]);
    expect(waits.map(([endpoint]) => endpoint)).toEqual(["gpu-box", "gpu-box"]);
    expect(registry.stats()["gpu-box"]).toMatchObject({ queued: 0, running: 0, started: 2 });
    await registry.stopAll();
  });

  it("stopAll() cancels waiting jobs and makes later throttles refuse work", async () => {
    const registry = new ThrottleRegistry(limits);
    const gpu = registry.for("gpu-box");
    let release = () => {};
    const held = gpu.schedule(() => new Promise<void>((resolve) => (release = resolve)));
    const waiting = gpu.schedule(async () => "never");
    await sleep(10);
    const stopping = registry.stopAll();
    expect(((await rejection(waiting)) as ModelbusError).code).toBe("E_CANCELLED");
    release();
    await held;
    await stopping;
    expect(((await rejection(registry.for("openai").schedule(async () => 1))) as ModelbusError).code).toBe("E_CANCELLED");
  });
});

describe("bottleneckOptions", () => {
  it("maps the limits onto Bottleneck: bounded OVERFLOW queue, full bucket, no Bottleneck refill", () => {
    const options = bottleneckOptions("openai", { requestsPerMinute: 600, burst: 5, maxConcurrent: 4, maxQueue: 100 });
    expect(options).toMatchObject({
      id: "modelbus-throttle:openai",
      maxConcurrent: 4,
      highWater: 100,
      strategy: Bottleneck.strategy.OVERFLOW,
      reservoir: 5,
    });
    // The local datastore's heartbeat refill under-refills; TokenRefill does it instead.
    expect(options.reservoirIncreaseInterval).toBeUndefined();
    expect(options.datastore).toBeUndefined();
  });

  it("leaves off what is not configured", () => {
    const options = bottleneckOptions("gpu-box", { maxConcurrent: 0, requestsPerMinute: 0, maxQueue: Number.POSITIVE_INFINITY });
    expect(options).toMatchObject({ maxConcurrent: null, reservoir: null, highWater: null });
  });
});
