/**
 * Fleet-wide limits against the real Redis: several ThrottleRegistry instances ("replicas")
 * with the same key prefix share one concurrency count, one request bucket and one token
 * budget. Every test uses its own random key prefix, so files and tests may run in parallel;
 * the keys are deleted at the end. Redis must be running (no skipping): see ENVIRONMENT.md.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { connect, createServer, type AddressInfo, type Server, type Socket } from "node:net";
import { Redis } from "ioredis";
import { ThrottleRegistry, type ThrottleRedisOptions } from "../../src/throttle/throttle-registry.ts";
import type { ThrottleLimits } from "../../src/throttle/throttle-limits.ts";
import { gate, modelbusRejection as rejection, sleep, within } from "../support/async-probes.ts";

const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const redisAddress = new URL(REDIS_URL);
const runId = `modelbus-test-${randomUUID()}`;
let testCount = 0;
let admin: Redis;
const registries: ThrottleRegistry[] = [];

async function waitFor(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const until = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > until) throw new Error("condition not met in time");
    await sleep(5);
  }
}

/** A fresh key prefix: the limiter ids of this test are `<prefix>:<endpoint>`. */
function uniquePrefix(): string {
  testCount++;
  return `${runId}-${testCount}`;
}

type Replicas<N extends 1 | 2> = N extends 1 ? [ThrottleRegistry] : [ThrottleRegistry, ThrottleRegistry];

/** `count` replicas of one service: registries sharing the limits through Redis under `keyPrefix`. */
async function replicas<N extends 1 | 2>(
  count: N,
  limits: Record<string, ThrottleLimits>,
  redis: Partial<ThrottleRedisOptions> & { keyPrefix: string },
): Promise<Replicas<N>> {
  const created = Array.from({ length: count }, () => {
    const registry = new ThrottleRegistry(new Map(Object.entries(limits)), { redis: { url: REDIS_URL, ...redis } });
    registries.push(registry);
    return registry;
  });
  await Promise.all(created.map((registry) => registry.ready(5_000)));
  return created as Replicas<N>;
}

/** A TCP hop between a registry and Redis that a test can cut (outage) or silence (Redis hangs). */
class RedisProxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  silent = false;
  port = 0;

  async start(): Promise<void> {
    const server = createServer((client) => {
      const upstream = connect(Number(redisAddress.port || 6379), redisAddress.hostname);
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on("close", () => this.sockets.delete(socket));
        socket.on("error", () => socket.destroy());
      }
      client.on("data", (data) => {
        if (!this.silent) upstream.write(data);
      });
      upstream.on("data", (data) => client.write(data));
      client.on("close", () => upstream.destroy());
      upstream.on("close", () => client.destroy());
    });
    await new Promise<void>((resolve) => server.listen(this.port, "127.0.0.1", resolve));
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }
}

async function deleteKeys(pattern: string): Promise<void> {
  let cursor = "0";
  do {
    const [next, keys] = await admin.scan(cursor, "MATCH", pattern, "COUNT", 1_000);
    cursor = next;
    if (keys.length > 0) await admin.del(...keys);
  } while (cursor !== "0");
}

beforeAll(async () => {
  admin = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 2_000 });
  try {
    await admin.connect();
    await admin.ping();
  } catch (error) {
    throw new Error(`Redis is not answering at ${REDIS_URL}; start it (see shared ENVIRONMENT.md): ${String(error)}`, { cause: error });
  }
});

afterEach(async () => {
  await Promise.all(registries.splice(0).map((registry) => within(registry.stopAll(), 5_000)));
});

afterAll(async () => {
  if (admin?.status === "ready") {
    await deleteKeys(`b_${runId}-*`);
    await deleteKeys(`${runId}-*`);
    await admin.quit();
  }
});

describe("fleet-wide limits through Redis", () => {
  it("two replicas hold max_concurrent 2 together", async () => {
    const [a, b] = await replicas(2, { gpu: { maxConcurrent: 2, maxQueue: 100 } }, { keyPrefix: uniquePrefix() });
    let current = 0;
    let peak = 0;
    let done = 0;
    const job = async () => {
      current++;
      peak = Math.max(peak, current);
      await sleep(40);
      current--;
      done++;
    };
    const jobs = [a, b].flatMap((registry) => Array.from({ length: 6 }, () => registry.for("gpu").schedule(job)));
    await within(Promise.all(jobs), 10_000);
    expect(done).toBe(12);
    expect(peak).toBe(2);
  });

  it("two replicas share one request bucket: 600 rpm with burst 2 stays ~600 rpm, not 1200", async () => {
    const [a, b] = await replicas(2, { metered: { requestsPerMinute: 600, burst: 2, maxQueue: 100 } }, { keyPrefix: uniquePrefix() });
    const t0 = performance.now();
    const starts: number[] = [];
    const jobs = [a, b].flatMap((registry) =>
      Array.from({ length: 8 }, () => registry.for("metered").schedule(async () => void starts.push(performance.now() - t0))),
    );
    await within(Promise.all(jobs), 10_000);
    starts.sort((x, y) => x - y);
    expect(starts[1]).toBeLessThan(150); // the burst
    // 14 more tokens at one per 100 ms: ~1.4 s. Per-replica buckets would finish in ~0.6 s.
    const span = (starts[15] ?? Number.NaN) - (starts[1] ?? Number.NaN);
    expect(span).toBeGreaterThan(1_250);
    expect(span).toBeLessThan(2_200);
    const perMinute = (14 / span) * 60_000;
    expect(perMinute).toBeGreaterThan(400);
    expect(perMinute).toBeLessThan(680);
  });

  it("the Redis refill catches up late heartbeats: 6000 rpm across two replicas stays ~6000 rpm", async () => {
    const [a, b] = await replicas(2, { fast: { requestsPerMinute: 6_000, burst: 5, maxQueue: 1_000 } }, { keyPrefix: uniquePrefix() });
    const t0 = performance.now();
    const starts: number[] = [];
    const jobs = [a, b].flatMap((registry) =>
      Array.from({ length: 60 }, () => registry.for("fast").schedule(async () => void starts.push(performance.now() - t0))),
    );
    await within(Promise.all(jobs), 10_000);
    starts.sort((x, y) => x - y);
    // After the burst of 5: 115 tokens at one per 10 ms (heartbeats every 10 ms at best, often later).
    const span = (starts[119] ?? Number.NaN) - (starts[4] ?? Number.NaN);
    const perMinute = (115 / span) * 60_000;
    expect(perMinute).toBeGreaterThan(5_400);
    expect(perMinute).toBeLessThan(6_300);
  });

  it("a starting replica does not refill the shared bucket", async () => {
    const keyPrefix = uniquePrefix();
    const limits = { slow: { requestsPerMinute: 6, burst: 2, maxQueue: 10 } };
    const [a] = await replicas(1, limits, { keyPrefix });
    await a.for("slow").schedule(async () => {});
    await a.for("slow").schedule(async () => {});
    const [late] = await replicas(1, limits, { keyPrefix });
    let started = false;
    const waiting = late.for("slow").schedule(async () => {
      started = true;
    });
    await sleep(400); // the next token is ~10 s away
    expect(started).toBe(false);
    const refused = rejection(waiting);
    await late.stopAll();
    expect((await refused).code).toBe("E_CANCELLED");
  });

  it("two replicas share one token budget; a large call keeps its claim against a stream of small ones", async () => {
    const [a, b] = await replicas(2, { llm: { tokensPerMinute: 60_000, maxQueue: 100 } }, { keyPrefix: uniquePrefix() });
    await a.for("llm").schedule(async () => {}, { tokens: 60_000 }); // empties the shared budget
    const drainedAt = performance.now();
    const large = a.for("llm").schedule(async () => performance.now() - drainedAt, { tokens: 400 });
    await sleep(50); // the large call asks first, and claims the next 400 tokens
    // Replica b keeps asking for one token at a time: without the claim it would take each
    // token as it arrives and the large call would wait until the stream stops.
    let streaming = true;
    let smalls = 0;
    const stream = (async () => {
      while (streaming) await b.for("llm").schedule(async () => void smalls++, { tokens: 1 });
    })();
    const largeStartedAfter = await within(large, 3_000).finally(() => (streaming = false));
    await stream;
    expect(largeStartedAfter).toBeGreaterThanOrEqual(380); // 400 tokens at one per ms
    expect(largeStartedAfter).toBeLessThan(1_000);
    expect(smalls).toBeGreaterThan(0);

    // The budget is about empty again. A refund from one replica lets the other's waiting call start.
    const refundable = b.for("llm").schedule(async () => performance.now(), { tokens: 50_000 });
    await sleep(50);
    const refundedAt = performance.now();
    await a.for("llm").adjustTokens(-60_000);
    expect((await within(refundable, 2_000)) - refundedAt).toBeLessThan(400); // the waiting head asks at least every 250 ms
  });

  it("reports the fleet's shared budgets as headroom, seen alike from every replica", async () => {
    const [a, b] = await replicas(2, { llm: { tokensPerMinute: 60_000, requestsPerMinute: 60, burst: 10, maxQueue: 100 } }, { keyPrefix: uniquePrefix() });
    await Promise.all([a.ready(), b.ready()]);
    expect((await b.for("llm").load()).headroom).toBeGreaterThan(0.99);
    await a.for("llm").schedule(async () => {}, { tokens: 45_000 }); // a quarter of the tokens left, 9 of 10 requests
    const seen = await b.for("llm").load();
    expect(seen.headroom).toBeGreaterThan(0.24);
    expect(seen.headroom).toBeLessThan(0.27);
  });

  it("a killed replica's slots are freed after about client_timeout", async () => {
    const keyPrefix = uniquePrefix();
    const clientTimeoutMs = 1_000;
    const child = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        "--input-type=module",
        "-e",
        `
        const { ThrottleRegistry } = await import(${JSON.stringify(new URL("../../src/throttle/throttle-registry.ts", import.meta.url).pathname)});
        const registry = new ThrottleRegistry(new Map([["gpu", { maxConcurrent: 1, maxQueue: 10 }]]), {
          redis: { url: ${JSON.stringify(REDIS_URL)}, keyPrefix: ${JSON.stringify(keyPrefix)}, clientTimeoutMs: ${clientTimeoutMs} },
        });
        await registry.ready(5000);
        setInterval(() => {}, 1000);
        registry.for("gpu").schedule(() => { console.log("held"); return new Promise(() => {}); });
        `,
      ],
      { cwd: process.cwd(), stdio: ["ignore", "pipe", "inherit"] },
    );
    try {
      await within(
        new Promise<void>((resolve, reject) => {
          child.stdout.on("data", (data: Buffer) => {
            if (data.toString().includes("held")) resolve();
          });
          child.once("exit", (code) => reject(new Error(`child exited early with ${code}`)));
        }),
        15_000,
      );
      const [survivor] = await replicas(1, { gpu: { maxConcurrent: 1, maxQueue: 10 } }, { keyPrefix, clientTimeoutMs });
      let startedAt: number | undefined;
      const waiting = survivor.for("gpu").schedule(async () => {
        startedAt = performance.now();
      });
      await sleep(1_500); // the child is alive: its slot stays held, however long
      expect(startedAt).toBeUndefined();

      const killedAt = performance.now();
      child.kill("SIGKILL");
      await within(waiting, 6_000);
      const freedAfter = (startedAt ?? Number.NaN) - killedAt;
      // Dead after clientTimeout without a heartbeat, confirmed by a second reaper pass.
      expect(freedAfter).toBeGreaterThan(700);
      expect(freedAfter).toBeLessThan(3_000);
    } finally {
      child.kill("SIGKILL");
    }
  }, 30_000);
});

describe("when Redis is not there", () => {
  it("an unreachable Redis: schedule() rejects at once, ready() within its timeout, stopAll() does not hang", async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
    const closedPort = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));

    const registry = new ThrottleRegistry(new Map([["gpu", { maxConcurrent: 1, maxQueue: 10 }]]), {
      redis: { url: `redis://127.0.0.1:${closedPort}`, keyPrefix: uniquePrefix() },
    });
    registries.push(registry);
    expect(registry.healthy()).toBe(false);
    const askedAt = performance.now();
    const error = await within(rejection(registry.for("gpu").schedule(async () => "never")), 500);
    expect(performance.now() - askedAt).toBeLessThan(50);
    expect(error.code).toBe("E_THROTTLE_UNAVAILABLE");
    expect(error.message).toContain('endpoint "gpu"');
    expect(registry.stats()["gpu"]).toMatchObject({ rejectedUnavailable: 1, queued: 0 });

    const readyAt = performance.now();
    expect((await within(rejection(registry.ready(300)), 2_000)).code).toBe("E_THROTTLE_UNAVAILABLE");
    expect(performance.now() - readyAt).toBeLessThan(1_000);

    // An endpoint without limits does not need Redis.
    expect(await registry.for("unlimited").schedule(async () => "free")).toBe("free");
    await within(registry.stopAll(), 2_000);
  });

  it("Redis going away rejects the waiting jobs at once; the throttle works again when it is back", async () => {
    const proxy = new RedisProxy();
    await proxy.start();
    // Two request tokens, and the next one 10 s away: a leftover job would take the second.
    const limits: ThrottleLimits = { maxConcurrent: 1, requestsPerMinute: 6, burst: 2, maxQueue: 10 };
    const registry = new ThrottleRegistry(new Map([["gpu", limits]]), {
      redis: { url: proxy.url, keyPrefix: uniquePrefix() },
    });
    registries.push(registry);
    await registry.ready(5_000);
    const gpu = registry.for("gpu");
    const hold = gate();
    const holder = gpu.schedule(() => hold.promise);
    await waitFor(() => gpu.stats().running === 1);
    let waitingRan = false;
    const waiting = gpu.schedule(async () => {
      waitingRan = true;
    });
    await sleep(50);
    expect(gpu.stats().queued).toBe(1);

    const cutAt = performance.now();
    await proxy.stop();
    const error = await within(rejection(waiting), 1_000);
    expect(error.code).toBe("E_THROTTLE_UNAVAILABLE");
    expect(performance.now() - cutAt).toBeLessThan(300);
    expect(registry.healthy()).toBe(false);
    expect((await within(rejection(gpu.schedule(async () => {})), 100)).code).toBe("E_THROTTLE_UNAVAILABLE");
    expect(gpu.stats()).toMatchObject({ queued: 0, rejectedUnavailable: 2 });

    await proxy.start(); // same port
    await waitFor(() => registry.healthy(), 5_000);
    hold.open(); // the call that ran through the outage finishes and frees its slot
    await holder;
    // The refused job was also taken out of Bottleneck's queue, so the second token is still there.
    expect(
      await within(
        gpu.schedule(async () => "again"),
        3_000,
      ),
    ).toBe("again");
    expect(waitingRan).toBe(false);
    await registry.stopAll();
    await proxy.stop();
  });

  it("a Redis that stops answering fails the call within the command timeout instead of hanging", async () => {
    const proxy = new RedisProxy();
    await proxy.start();
    const registry = new ThrottleRegistry(new Map([["gpu", { maxConcurrent: 1, maxQueue: 10 }]]), {
      redis: { url: proxy.url, keyPrefix: uniquePrefix(), commandTimeoutMs: 300 },
    });
    registries.push(registry);
    await registry.ready(5_000);
    proxy.silent = true;
    const askedAt = performance.now();
    const error = await within(rejection(registry.for("gpu").schedule(async () => "never")), 2_000);
    expect(error.code).toBe("E_THROTTLE_UNAVAILABLE");
    expect(performance.now() - askedAt).toBeLessThan(1_000);
    // The PING probe notices too, so later calls fail without waiting.
    await waitFor(() => !registry.healthy(), 3_000);
    await within(registry.stopAll(), 3_000);
    await proxy.stop();
  });
});
