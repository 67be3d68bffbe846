import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Service } from "../../src/main.ts";
import { MockProviderServer } from "../../src/providers/mock/mock-provider-server.ts";
import { TestOrchestrator, startTestService, testConfig, uniqueNames, userRequest } from "../support/test-service.ts";

let mock: MockProviderServer;
const started: Service[] = [];
const orchestrators: TestOrchestrator[] = [];

beforeAll(async () => {
  mock = await MockProviderServer.start();
});

afterAll(async () => {
  for (const service of started) await service.stop();
  for (const orchestrator of orchestrators) await orchestrator.close();
  await mock?.close();
});

async function replica(names: ReturnType<typeof uniqueNames>, endpoint: Record<string, unknown>, redis: boolean) {
  const service = await startTestService(
    testConfig(names, {
      nats: { concurrency: 32 },
      ...(redis ? { throttle: { redis_url: "redis://127.0.0.1:6379" } } : {}),
      registry: { endpoints: { shared: { provider: "openai", url: mock.url, ...endpoint } } },
    }),
  );
  started.push(service);
  return service;
}

describe("limits across a fleet", () => {
  it("holds max_concurrent across two replicas sharing Redis", async () => {
    const names = uniqueNames();
    const model = `fleet-${randomBytes(4).toString("hex")}`; // a fresh limiter id in Redis per run
    await replica(names, { model, max_concurrent: 2 }, true);
    await replica({ ...names }, { model, max_concurrent: 2 }, true);
    const orchestrator = await TestOrchestrator.connect(names);
    orchestrators.push(orchestrator);
    for (let index = 0; index < 10; index += 1) mock.enqueue(model, { kind: "text", content: "ok", delay_ms: 150 });
    const requests = Array.from({ length: 10 }, (_, index) => userRequest(`fleet-${index}`, "shared"));
    const responses = await Promise.all(requests.map((request) => orchestrator.send(request, 20_000)));
    expect(responses.every((response) => response.status === "complete")).toBe(true);
    expect(mock.maxInFlight(model)).toBe(2);
  });

  it("charges tokens_per_minute before each call and corrects it with the real usage", async () => {
    const names = uniqueNames();
    const model = `tpm-${randomBytes(4).toString("hex")}`;
    // A budget of 6,000 tokens; each call is estimated at ~2,000 (max_tokens) but uses 100.
    await replica(names, { model, tokens_per_minute: 6_000 }, false);
    const orchestrator = await TestOrchestrator.connect(names);
    orchestrators.push(orchestrator);
    for (let index = 0; index < 6; index += 1) {
      mock.enqueue(model, { kind: "text", content: "ok", delay_ms: 300, usage: { prompt_tokens: 50, completion_tokens: 50 } });
    }
    const requests = Array.from({ length: 6 }, (_, index) => userRequest(`tpm-${index}`, "shared", "hi", { max_tokens: 2_000 }));
    const startedAt = Date.now();
    const responses = await Promise.all(requests.map((request) => orchestrator.send(request, 20_000)));
    expect(responses.every((response) => response.status === "complete")).toBe(true);
    const arrivals = mock
      .requestsFor(model)
      .map((request) => request.receivedAt)
      .sort((a, b) => a - b);
    // three estimates fill the budget, so the fourth call waits for a refund...
    expect((arrivals[3] as number) - (arrivals[0] as number)).toBeGreaterThanOrEqual(250);
    // ...which comes when a call reports its real usage, not after a 20 s refill
    expect(Date.now() - startedAt).toBeLessThan(5_000);
  });
});
