/**
 * Deployment groups against the mock provider over real HTTP: one model name served by several
 * endpoints (keys, regions, providers), ordered per request by the group's strategy. The
 * distribution is counted where it lands, at the mock, per provider model.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Service } from "../../src/main.ts";
import { MockProviderServer } from "../../src/providers/mock/mock-provider-server.ts";
import { startTestService, testConfig, uniqueNames } from "../support/test-service.ts";

let mock: MockProviderServer;
const services: Service[] = [];

beforeAll(async () => {
  mock = await MockProviderServer.start();
});

afterAll(async () => {
  for (const service of services) await service.stop();
  await mock?.close();
});

/** A service whose registry has `groups`, every endpoint a distinct model at the one mock. */
async function serviceWith(endpoints: Record<string, Record<string, unknown>>, registry: Record<string, unknown>, retry: Record<string, unknown> = {}) {
  const tag = randomBytes(3).toString("hex");
  const model = (name: string) => `${name}-${tag}`;
  const config = testConfig(uniqueNames(), {
    retry,
    registry: {
      endpoints: Object.fromEntries(
        Object.entries(endpoints).map(([name, extra]) => [name, { provider: "openai", url: mock.url, model: model(name), supports_tools: true, ...extra }]),
      ),
      ...registry,
    },
  });
  const service = await startTestService(config);
  services.push(service);
  const chat = async (modelName: string, text = "hello") => {
    const response = await fetch(`${service.httpUrl}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: modelName, messages: [{ role: "user", content: text }] }),
    });
    return { status: response.status, body: (await response.json()) as { choices?: Array<{ message: { content: string } }>; error?: { code: string } } };
  };
  return { service, model, chat, served: (name: string) => mock.requestsFor(model(name)).length };
}

/** Runs `count` calls, `concurrency` at a time. */
async function load(count: number, concurrency: number, call: (index: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) await call(next++);
    }),
  );
}

describe("deployment groups", () => {
  it("weighted: 2,000 requests split 3 : 1 (within ±5 %), every one answered", async () => {
    const { chat, served } = await serviceWith(
      { east: {}, west: {} },
      { groups: { gpt: { strategy: "weighted", deployments: [{ endpoint: "east", weight: 3 }, "west"] } } },
    );
    let answered = 0;
    await load(2_000, 32, async () => {
      if ((await chat("gpt")).status === 200) answered += 1;
    });
    expect(answered).toBe(2_000);
    const east = served("east");
    const west = served("west");
    expect(east + west).toBe(2_000);
    expect(Math.abs(east / 2_000 - 0.75)).toBeLessThanOrEqual(0.05 * 0.75);
    expect(Math.abs(west / 2_000 - 0.25)).toBeLessThanOrEqual(0.05 * 0.25);
  });

  it("least_busy: a deployment with a free slot first, never over its max_concurrent", async () => {
    const { chat, served, model } = await serviceWith(
      { a: { max_concurrent: 2 }, b: { max_concurrent: 2 } },
      { groups: { pool: { strategy: "least_busy", deployments: ["a", "b"] } } },
    );
    for (let index = 0; index < 24; index += 1) {
      mock.enqueue(model("a"), { kind: "text", content: "from a", delay_ms: 120 });
      mock.enqueue(model("b"), { kind: "text", content: "from b", delay_ms: 120 });
    }
    const answers = await Promise.all(Array.from({ length: 4 }, () => chat("pool")));
    // Four calls, two slots on each: both deployments at once, none queued behind a busy one.
    expect(answers.every((answer) => answer.status === 200)).toBe(true);
    expect([served("a"), served("b")]).toEqual([2, 2]);
    await load(20, 8, () => chat("pool"));
    expect(mock.maxInFlight(model("a"))).toBe(2);
    expect(mock.maxInFlight(model("b"))).toBe(2);
    expect(served("a") + served("b")).toBe(24);
  });

  it("least_busy across a fleet: a call running on another replica counts, through the limits shared in Redis", async () => {
    const a = `a${randomBytes(3).toString("hex")}`;
    const b = `b${randomBytes(3).toString("hex")}`;
    const names = uniqueNames();
    const replica = async () => {
      const service = await startTestService(
        testConfig(names, {
          throttle: { redis_url: "redis://127.0.0.1:6379" },
          registry: {
            endpoints: {
              [a]: { provider: "openai", url: mock.url, model: a, max_concurrent: 1 },
              [b]: { provider: "openai", url: mock.url, model: b, max_concurrent: 1 },
            },
            groups: { pool: { strategy: "least_busy", deployments: [a, b] } },
          },
        }),
      );
      services.push(service);
      return service;
    };
    const [one, two] = [await replica(), await replica()];
    const post = (service: Service) =>
      fetch(`${service.httpUrl}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model: "pool", messages: [{ role: "user", content: "hi" }] }),
      }).then(async (response) => ((await response.json()) as { choices: Array<{ message: { content: string } }> }).choices[0]?.message.content);
    mock.enqueue(a, { kind: "text", content: "a, slow", delay_ms: 600 });
    mock.enqueue(b, { kind: "text", content: "b, at once" });
    const slow = post(one);
    await expect.poll(() => mock.inFlight, { timeout: 3_000 }).toBe(1);
    // Replica two runs nothing itself; the fleet's count says `a` is full, so `b` it is.
    expect(await post(two)).toBe("b, at once");
    expect(await slow).toBe("a, slow");
  });

  it("limit_aware: drains the deployment its provider reports the most headroom for first", async () => {
    const { chat, served, model } = await serviceWith({ low: {}, high: {} }, { groups: { smart: { strategy: "limit_aware", deployments: ["low", "high"] } } });
    const report = (remaining: number) => ({
      "x-ratelimit-limit-requests": "100",
      "x-ratelimit-remaining-requests": String(remaining),
      "x-ratelimit-reset-requests": "1m0s",
    });
    mock.enqueue(model("low"), { kind: "text", content: "low", headers: report(10) });
    for (const remaining of [60, 40, 20, 5]) mock.enqueue(model("high"), { kind: "text", content: `high ${remaining}`, headers: report(remaining) });
    mock.enqueue(model("low"), { kind: "text", content: "low again", headers: report(9) });
    // Nothing reported yet: the first goes to the first deployment, which reports 10 % left.
    const contents: string[] = [];
    for (let index = 0; index < 6; index += 1) contents.push((await chat("smart")).body.choices?.[0]?.message.content ?? "");
    // Then `high` (nothing reported: all left) until it reports less than `low`'s 10 %.
    expect(contents).toEqual(["low", "high 60", "high 40", "high 20", "high 5", "low again"]);
    expect([served("low"), served("high")]).toEqual([2, 4]);
  });

  it("limit_aware: counts the endpoints' own request budgets too (requests_per_minute / burst)", async () => {
    const { chat, model } = await serviceWith(
      { small: { requests_per_minute: 6, burst: 2 }, large: { requests_per_minute: 6, burst: 4 } },
      { groups: { own: { strategy: "limit_aware", deployments: ["small", "large"] } } },
    );
    for (const name of ["small", "large"]) for (let index = 0; index < 4; index += 1) mock.enqueue(model(name), { kind: "text", content: name });
    const picks: string[] = [];
    for (let index = 0; index < 6; index += 1) picks.push((await chat("own")).body.choices?.[0]?.message.content ?? "");
    // Shares left before each pick: small 2/2, large 4/4 → small; then large 4/4 > 1/2, 3/4 > 1/2; tie 1/2 → small; then large.
    expect(picks).toEqual(["small", "large", "large", "small", "large", "large"]);
  });

  it("moves past a deployment that answers 429 at once, and skips it until its Retry-After passes", async () => {
    const { service, chat, served, model } = await serviceWith(
      { first: {}, second: {} },
      { groups: { g: { strategy: "weighted", deployments: ["first", "second"] } } },
      { rate_limit_delay: "5s", max_rate_limit_retries: 3 },
    );
    mock.enqueue(model("first"), { kind: "error", status: 429, retry_after: "30" });
    const startedAt = Date.now();
    const answer = await chat("g");
    expect(answer.status).toBe(200);
    expect(Date.now() - startedAt).toBeLessThan(1_000); // no 5 s rate-limit wait
    expect([served("first"), served("second")]).toEqual([1, 1]);
    for (let index = 0; index < 6; index += 1) expect((await chat("g")).status).toBe(200);
    expect([served("first"), served("second")]).toEqual([1, 7]);
    const endpoints = (await (await fetch(`${service.httpUrl}/v1/endpoints`)).json()) as {
      data: Array<{ name: string; available: boolean }>;
      groups: unknown[];
    };
    expect(endpoints.data.find((endpoint) => endpoint.name === "first")?.available).toBe(false);
    expect(endpoints.groups).toEqual([
      {
        name: "g",
        strategy: "weighted",
        deployments: [
          { endpoint: "first", weight: 1 },
          { endpoint: "second", weight: 1 },
        ],
      },
    ]);
  });

  it("composes with aliases, capability chains and the default, and is listed in /v1/models", async () => {
    const { service, chat, served } = await serviceWith(
      { a: {}, b: {}, spare: {} },
      {
        groups: { duo: { deployments: ["a", "b"] } },
        model_aliases: { friendly: "duo" },
        capabilities: { coding: { preferred: ["duo"], fallback: ["spare"] } },
        defaults: { model: "duo" },
      },
    );
    for (const name of ["duo", "friendly", "coding", "no-such-model"]) expect((await chat(name)).status).toBe(200);
    expect(served("a") + served("b")).toBe(4);
    expect(served("a")).toBe(2); // equal weights alternate exactly
    const models = (await (await fetch(`${service.httpUrl}/v1/models`)).json()) as { data: Array<Record<string, unknown>> };
    expect(models.data.find((entry) => entry.id === "duo")).toMatchObject({
      kind: "group",
      strategy: "weighted",
      deployments: [
        { endpoint: "a", weight: 1 },
        { endpoint: "b", weight: 1 },
      ],
      health: "healthy",
    });
    expect(models.data.find((entry) => entry.id === "coding")).toMatchObject({ kind: "capability", endpoints: ["a", "b", "spare"], targets: ["duo", "spare"] });
    expect(models.data.find((entry) => entry.id === "friendly")).toMatchObject({ kind: "alias", target: "duo", health: "healthy" });
  });
});
