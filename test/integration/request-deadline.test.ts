/**
 * One deadline per request across its whole endpoint chain (request-deadline.ts), over the
 * real NATS and the mock: a chain of hanging endpoints ends at the request's timeout, not at
 * one timeout per endpoint; an endpoint's request_timeout caps each attempt on it, and the
 * request moves on while time is left.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Service } from "../../src/main.ts";
import type { MockProviderServer } from "../../src/providers/mock/mock-provider-server.ts";
import { metricValue } from "../support/fault-kit.ts";
import { TestOrchestrator, startTestService, testConfig, uniqueNames, userRequest } from "../support/test-service.ts";

const names = uniqueNames();
let service: Service;
let mock: MockProviderServer;
let orchestrator: TestOrchestrator;

beforeAll(async () => {
  service = await startTestService(
    testConfig(names, {
      service: { timeout: "1200ms" },
      retry: { max_attempts: 2, initial_delay: "10ms" },
      breaker: { enabled: false },
      registry: {
        endpoints: {
          a: { provider: "mock", model: "a-model" },
          b: { provider: "mock", model: "b-model" },
          c: { provider: "mock", model: "c-model" },
          capped: { provider: "mock", model: "capped-model", request_timeout: "200ms" },
          quick: { provider: "mock", model: "quick-model" },
          long: { provider: "mock", model: "long-model", request_timeout: "3s" },
        },
        capabilities: {
          three: { preferred: ["a", "b", "c"] },
          capped_first: { preferred: ["capped"], fallback: ["quick"] },
          slow_chain: { preferred: ["a", "b"], timeout: "700ms" },
        },
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

async function timed(request: Record<string, unknown>) {
  const startedAt = Date.now();
  const response = await orchestrator.send(request, 15_000);
  return { response, elapsedMs: Date.now() - startedAt };
}

describe("one deadline per request", () => {
  it("ends a chain of endpoints that never answer at the request's timeout, not one timeout per endpoint", async () => {
    for (const model of ["a-model", "b-model", "c-model"]) mock.enqueue(model, { kind: "error", status: 503 }, { kind: "hang" });
    const { response, elapsedMs } = await timed(userRequest("dl-three", "three", "anyone?"));
    expect(response).toMatchObject({ status: "error", error_code: "E_PROVIDER_TIMEOUT" });
    expect(response.error).toContain("timeout from service");
    expect(elapsedMs).toBeGreaterThanOrEqual(1_150);
    expect(elapsedMs).toBeLessThan(2_500);
  });

  it("uses the capability's timeout for its whole chain", async () => {
    mock.enqueue("a-model", { kind: "hang" });
    mock.enqueue("b-model", { kind: "hang" });
    const { response, elapsedMs } = await timed(userRequest("dl-cap", "slow_chain", "anyone?"));
    expect(response).toMatchObject({ status: "error", error_code: "E_PROVIDER_TIMEOUT" });
    expect(response.error).toContain("timeout from capability");
    expect(elapsedMs).toBeLessThan(1_150);
  });

  it("caps each attempt on an endpoint by its request_timeout, retries, then falls back while time is left", async () => {
    mock.enqueue("capped-model", { kind: "hang" }, { kind: "hang" });
    const before = await metricValue(service, "modelbus_fallbacks_total", { from: "capped", to: "quick" });
    const { response, elapsedMs } = await timed(userRequest("dl-capped", "capped_first", "who answers?"));
    expect(response).toMatchObject({ status: "complete", endpoint: "quick", retry_count: 1 });
    expect(mock.requestsFor("capped-model").filter((record) => JSON.stringify(record.body).includes("who answers?"))).toHaveLength(2);
    expect(elapsedMs).toBeGreaterThanOrEqual(380);
    expect(elapsedMs).toBeLessThan(1_150);
    expect(await metricValue(service, "modelbus_fallbacks_total", { from: "capped", to: "quick" })).toBe(before + 1);
  });

  it("gives a request sent straight to an endpoint that endpoint's request_timeout, longer than the service's", async () => {
    mock.enqueue("long-model", { kind: "text", content: "slow but in time", delay_ms: 1_800 });
    const { response, elapsedMs } = await timed(userRequest("dl-long", "long", "take your time"));
    expect(response).toMatchObject({ status: "complete", message: { content: "slow but in time" } });
    expect(elapsedMs).toBeGreaterThanOrEqual(1_750);
  });

  it("lets the request's own timeout win over every other", async () => {
    mock.enqueue("long-model", { kind: "hang" });
    const { response, elapsedMs } = await timed(userRequest("dl-own", "long", "quick now", { timeout: "300ms" }));
    expect(response).toMatchObject({ status: "error", error_code: "E_PROVIDER_TIMEOUT" });
    expect(response.error).toContain("timeout from request");
    expect(elapsedMs).toBeLessThan(1_000);
  });
});
