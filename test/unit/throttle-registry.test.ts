import { describe, it, expect } from "vitest";
import Bottleneck from "bottleneck";
import type { ModelbusError } from "../../src/core/modelbus-error.ts";
import { endpointSchema } from "../../src/config/config-schema.ts";
import { bottleneckOptions, clusterHeartbeatMs, clusterSettingsUpdate } from "../../src/throttle/bottleneck-options.ts";
import { type ThrottleLimits, throttleLimitsFromConfig } from "../../src/throttle/throttle-limits.ts";
import { ThrottleRegistry } from "../../src/throttle/throttle-registry.ts";
import { rejection, sleep, waitFor } from "../support/async-probes.ts";

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
    await waitFor(() => gpu.stats().running === 1 && gpu.stats().queued === 1);
    expect(registry.stats()).toEqual({
      "gpu-box": { queued: 1, running: 1, started: 1, waitedMsTotal: expect.any(Number), rejectedQueueFull: 0, rejectedUnavailable: 0 },
    });
    release();
    await Promise.all([held, queued]);
    expect(waits.map(([endpoint]) => endpoint)).toEqual(["gpu-box", "gpu-box"]);
    expect(registry.stats()["gpu-box"]).toMatchObject({ queued: 0, running: 0, started: 2 });
    await registry.stopAll();
  });

  it("without Redis: ready() resolves at once and healthy() is true", async () => {
    const registry = new ThrottleRegistry(limits);
    await registry.ready(10);
    expect(registry.healthy()).toBe(true);
    expect(registry.for("gpu-box").healthy()).toBe(true);
    await registry.stopAll();
    expect(registry.stopAll()).toBe(registry.stopAll());
  });

  it("stopAll() cancels waiting jobs and makes later throttles refuse work", async () => {
    const registry = new ThrottleRegistry(limits);
    const gpu = registry.for("gpu-box");
    let release = () => {};
    const held = gpu.schedule(() => new Promise<void>((resolve) => (release = resolve)));
    const waiting = gpu.schedule(async () => "never");
    // Under load Bottleneck may take more than a few ms to start the first job.
    await waitFor(() => gpu.stats().running === 1);
    const stopping = registry.stopAll();
    expect(((await rejection(waiting)) as ModelbusError).code).toBe("E_CANCELLED");
    release();
    await held;
    await stopping;
    expect(((await rejection(registry.for("openai").schedule(async () => 1))) as ModelbusError).code).toBe("E_CANCELLED");
  });
});

describe("bottleneckOptions (clustered limits only)", () => {
  const connection = {} as Bottleneck.IORedisConnection;
  const cluster = { connection, id: "modelbus:openai", clientTimeoutMs: 10_000 };

  it("turns Bottleneck's highWater off with a token budget (EndpointThrottle bounds both stages itself)", () => {
    const options = bottleneckOptions("llm", { requestsPerMinute: 60, tokensPerMinute: 10_000, maxQueue: 100 }, cluster);
    expect(options.highWater).toBeNull();
  });

  it("clusters through Redis: shared id, ioredis datastore, state kept, bounded OVERFLOW queue, full bucket, exact refill by Bottleneck's scripts", () => {
    const options = bottleneckOptions("openai", { requestsPerMinute: 600, burst: 5, maxConcurrent: 4, maxQueue: 100 }, cluster);
    expect(options).toMatchObject({
      id: "modelbus:openai",
      datastore: "ioredis",
      connection,
      clearDatastore: false,
      clientTimeout: 10_000,
      maxConcurrent: 4,
      highWater: 100,
      strategy: Bottleneck.strategy.OVERFLOW,
      reservoir: 5,
      reservoirIncreaseAmount: 1,
      reservoirIncreaseInterval: 100,
      reservoirIncreaseMaximum: 5,
      heartbeatInterval: 100,
    });
    // A starting replica updates the shared settings but never the bucket's level.
    const update = clusterSettingsUpdate(options);
    expect(update).toMatchObject({ maxConcurrent: 4, reservoirIncreaseInterval: 100, reservoirIncreaseMaximum: 5 });
    expect(update).not.toHaveProperty("reservoir");
    const noBucket = clusterSettingsUpdate(bottleneckOptions("gpu", { maxConcurrent: 1, maxQueue: 1 }, { ...cluster, id: "x" }));
    expect(noBucket).toMatchObject({ reservoir: null, reservoirIncreaseInterval: null });
  });

  it("heartbeats often enough for liveness, for each token, and for half the burst; never below 10 ms", () => {
    expect(clusterHeartbeatMs(undefined, 10_000)).toBe(1_000);
    expect(clusterHeartbeatMs(undefined, 1_000)).toBe(250);
    expect(clusterHeartbeatMs({ requestsPerMinute: 600, burst: 2 }, 10_000)).toBe(100);
    expect(clusterHeartbeatMs({ requestsPerMinute: 600, burst: 1 }, 10_000)).toBe(50);
    expect(clusterHeartbeatMs({ requestsPerMinute: 6, burst: 6 }, 10_000)).toBe(1_000);
    expect(clusterHeartbeatMs({ requestsPerMinute: 60_000, burst: 100 }, 10_000)).toBe(10);
  });

  it("leaves off what is not configured", () => {
    const options = bottleneckOptions("gpu-box", { maxConcurrent: 0, requestsPerMinute: 0, maxQueue: Number.POSITIVE_INFINITY }, cluster);
    expect(options).toMatchObject({ maxConcurrent: null, reservoir: null, highWater: null });
  });
});

describe("throttleLimitsFromConfig", () => {
  it("passes tokens_per_minute on (0 = off)", () => {
    const limits = throttleLimitsFromConfig({
      metered: endpointSchema.parse({ model: "m", tokens_per_minute: 90_000, requests_per_minute: 60 }),
      free: endpointSchema.parse({ model: "m" }),
    });
    expect(limits.get("metered")).toMatchObject({ tokensPerMinute: 90_000, requestsPerMinute: 60, maxQueue: 1_000 });
    expect(limits.get("free")).toMatchObject({ tokensPerMinute: 0 });
  });
});
