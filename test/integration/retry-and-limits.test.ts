import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Service } from "../../src/main.ts";
import type { MockProviderServer } from "../../src/providers/mock/mock-provider-server.ts";
import { TestOrchestrator, startTestService, testConfig, uniqueNames, userRequest } from "../support/test-service.ts";

const names = uniqueNames();
let service: Service;
let mock: MockProviderServer;
let orchestrator: TestOrchestrator;

beforeAll(async () => {
  service = await startTestService(
    testConfig(names, {
      nats: { concurrency: 32 },
      registry: {
        endpoints: {
          main: { provider: "mock", model: "main-model" },
          narrow: { provider: "mock", model: "narrow-model", max_concurrent: 2 },
          metered: { provider: "mock", model: "metered-model", requests_per_minute: 600, burst: 2 },
          tiny: { provider: "mock", model: "tiny-model", max_concurrent: 1, max_queue: 1 },
        },
        model_aliases: { "narrow-alias": "narrow" },
      },
    }),
  );
  mock = service.mockProvider as MockProviderServer;
  orchestrator = await TestOrchestrator.connect(names);
});

afterAll(async () => {
  await service?.stop();
  await orchestrator?.close();
});

const arrivals = (model: string) => mock.requestsFor(model).map((request) => request.receivedAt);

describe("retries", () => {
  it("honours Retry-After on a 429 and reports retry_count", async () => {
    mock.enqueue("main-model", { kind: "error", status: 429, retry_after: "1", message: "slow down" });
    const before = mock.requestsFor("main-model").length;
    const response = await orchestrator.send(userRequest("r429", "main"));
    expect(response).toMatchObject({ status: "complete", retry_count: 1 });
    const [first, second] = arrivals("main-model").slice(before);
    // rate_limit_delay is 50ms in the test config: only Retry-After explains a 1s gap
    expect((second as number) - (first as number)).toBeGreaterThanOrEqual(990);
    expect(await service.metrics.registry.getSingleMetricAsString("modelbus_rate_limit_hits_total")).toMatch(/endpoint="main"} 1/);
  });

  it("honours retry-after-ms as well", async () => {
    mock.enqueue("main-model", { kind: "error", status: 429, retry_after_ms: 400 });
    const before = mock.requestsFor("main-model").length;
    expect((await orchestrator.send(userRequest("r429ms", "main"))).retry_count).toBe(1);
    const [first, second] = arrivals("main-model").slice(before);
    expect((second as number) - (first as number)).toBeGreaterThanOrEqual(390);
  });

  it("retries a 500 and then succeeds", async () => {
    mock.enqueue("main-model", { kind: "error", status: 500, message: "provider unavailable" });
    const response = await orchestrator.send(userRequest("r500", "main"));
    expect(response).toMatchObject({ status: "complete", retry_count: 1 });
  });

  it("gives up after max_attempts with the provider's error text", async () => {
    mock.enqueue("main-model", ...Array.from({ length: 3 }, () => ({ kind: "error" as const, status: 502, message: "bad gateway" })));
    const response = await orchestrator.send(userRequest("r502", "main"));
    expect(response).toMatchObject({ status: "error", error_code: "E_PROVIDER_UNAVAILABLE", retry_count: 2 });
    expect(response.error).toContain("HTTP 502");
    expect(response.error).toContain("bad gateway");
  });

  it.each([400, 401, 403, 404, 422])("never retries a %i", async (status) => {
    mock.enqueue("main-model", { kind: "error", status, message: "no" });
    const before = mock.requestsFor("main-model").length;
    const response = await orchestrator.send(userRequest(`r${status}`, "main"));
    expect(response.status).toBe("error");
    expect(response.error_code).toBe(status === 401 || status === 403 ? "E_PROVIDER_AUTH" : "E_PROVIDER_REJECTED");
    expect(response.retry_count).toBeUndefined();
    expect(mock.requestsFor("main-model").length).toBe(before + 1);
  });

  it("turns a dropped connection into a retried network error", async () => {
    mock.enqueue("main-model", { kind: "close" });
    expect(await orchestrator.send(userRequest("rclose", "main"))).toMatchObject({ status: "complete", retry_count: 1 });
  });

  it("ends a hanging provider at the request timeout", async () => {
    mock.enqueue("main-model", { kind: "hang" });
    const response = await orchestrator.send(userRequest("rhang", "main", "hi", { timeout: "300ms" }));
    expect(response).toMatchObject({ status: "error", error_code: "E_PROVIDER_TIMEOUT" });
    expect(response.latency_ms).toBeGreaterThanOrEqual(290);
    expect(response.latency_ms).toBeLessThan(2_000);
  });
});

describe("limits", () => {
  it("holds max_concurrent at the provider, shared by endpoint and alias", async () => {
    mock.resetStats();
    for (let index = 0; index < 8; index += 1) mock.enqueue("narrow-model", { kind: "text", content: "ok", delay_ms: 100 });
    const requests = Array.from({ length: 8 }, (_, index) => userRequest(`conc-${index}`, index % 2 ? "narrow" : "narrow-alias"));
    const responses = await Promise.all(requests.map((request) => orchestrator.send(request)));
    expect(responses.every((response) => response.status === "complete")).toBe(true);
    expect(mock.maxInFlight("narrow-model")).toBe(2);
  });

  it("holds requests_per_minute: after the burst, one request per 100ms at 600 rpm", async () => {
    const before = mock.requestsFor("metered-model").length;
    const requests = Array.from({ length: 7 }, (_, index) => userRequest(`rpm-${index}`, "metered"));
    await Promise.all(requests.map((request) => orchestrator.send(request)));
    const times = arrivals("metered-model")
      .slice(before)
      .sort((a, b) => a - b);
    expect(times).toHaveLength(7);
    // burst 2 go at once; the other 5 need 5 refills of 100ms each
    expect((times[6] as number) - (times[0] as number)).toBeGreaterThanOrEqual(450);
  });

  it("rejects with E_THROTTLE_QUEUE_FULL when the endpoint queue is full", async () => {
    for (let index = 0; index < 4; index += 1) mock.enqueue("tiny-model", { kind: "text", content: "ok", delay_ms: 300 });
    const requests = Array.from({ length: 4 }, (_, index) => userRequest(`queue-${index}`, "tiny"));
    const responses = await Promise.all(requests.map((request) => orchestrator.send(request)));
    const rejected = responses.filter((response) => response.error_code === "E_THROTTLE_QUEUE_FULL");
    expect(rejected.length).toBeGreaterThanOrEqual(1);
    expect(rejected[0]?.error).toContain("max_queue=1");
    expect(responses.filter((response) => response.status === "complete").length).toBeGreaterThanOrEqual(2);
  });
});
