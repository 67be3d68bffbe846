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
      retry: { max_attempts: 1, max_delay: "2s" },
      breaker: { window: 4, min_calls: 2, failure_ratio: 0.5, cooldown: "1s" },
      registry: {
        endpoints: {
          flaky: { provider: "mock", model: "flaky-model" },
          steady: { provider: "mock", model: "steady-model" },
          limited: { provider: "mock", model: "limited-model" },
        },
        capabilities: {
          chat: { preferred: ["flaky"], fallback: ["steady"] },
          paced: { preferred: ["limited"], fallback: ["steady"] },
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

const metric = (name: string) => service.metrics.registry.getSingleMetricAsString(name);

describe("circuit breaker", () => {
  it("opens after failures, skips the endpoint while open, and closes after a good probe", async () => {
    mock.enqueue("flaky-model", { kind: "error", status: 503 }, { kind: "error", status: 503 });
    expect((await orchestrator.send(userRequest("cb-1", "chat"))).endpoint).toBe("steady");
    expect((await orchestrator.send(userRequest("cb-2", "chat"))).endpoint).toBe("steady");
    expect(await metric("modelbus_breaker_state")).toMatch(/endpoint="flaky",state="open"} 1/);

    const flakyCalls = mock.requestsFor("flaky-model").length;
    const skipped = await orchestrator.send(userRequest("cb-3", "chat"));
    expect(skipped.endpoint).toBe("steady");
    expect(mock.requestsFor("flaky-model").length).toBe(flakyCalls); // not called while open
    expect(await metric("modelbus_fallbacks_total")).toMatch(/from="flaky",to="steady"} 3/);

    await new Promise((resolve) => setTimeout(resolve, 1_100)); // cooldown → half-open
    const probe = await orchestrator.send(userRequest("cb-4", "chat"));
    expect(probe.endpoint).toBe("flaky");
    expect(await metric("modelbus_breaker_state")).toMatch(/endpoint="flaky",state="closed"} 1/);
  });

  it("answers E_CIRCUIT_OPEN when every endpoint of the model is open", async () => {
    mock.enqueue("flaky-model", { kind: "error", status: 500 }, { kind: "error", status: 500 });
    await orchestrator.send(userRequest("cb-only-1", "flaky"));
    await orchestrator.send(userRequest("cb-only-2", "flaky"));
    const response = await orchestrator.send(userRequest("cb-only-3", "flaky"));
    expect(response).toMatchObject({ status: "error", error_code: "E_CIRCUIT_OPEN" });
    expect(response.error).toContain('every endpoint for model "flaky"');
    await new Promise((resolve) => setTimeout(resolve, 1_100));
  });

  it("cools an endpoint down for a 429 asking for longer than retry.max_delay, and moves on at once", async () => {
    mock.enqueue("limited-model", { kind: "error", status: 429, retry_after: "30" });
    const startedAt = Date.now();
    const response = await orchestrator.send(userRequest("cb-429", "paced"));
    expect(response.endpoint).toBe("steady");
    expect(Date.now() - startedAt).toBeLessThan(2_000); // did not wait 30 s
    expect(await metric("modelbus_breaker_state")).toMatch(/endpoint="limited",state="open"} 1/);
    const calls = mock.requestsFor("limited-model").length;
    expect((await orchestrator.send(userRequest("cb-429-2", "paced"))).endpoint).toBe("steady");
    expect(mock.requestsFor("limited-model").length).toBe(calls);
  });
});
