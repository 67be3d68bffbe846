import { jetstream } from "@nats-io/jetstream";
import { describe, expect, it } from "vitest";
import type { Service } from "../../src/main.ts";
import type { MockProviderServer } from "../../src/providers/mock/mock-provider-server.ts";
import { ChildService } from "../support/child-service.ts";
import { TestOrchestrator, startTestService, testConfig, uniqueNames, userRequest } from "../support/test-service.ts";
import { cleanupAfterEach } from "../support/cleanups.ts";

const defer = cleanupAfterEach();

function fileConfig(names: ReturnType<typeof uniqueNames>, nats: Record<string, unknown> = {}) {
  return {
    service: { log_level: "warn", shutdown_timeout: "5s" },
    store: { enabled: false }, // NATS semantics only; the shared default database stays out of it
    nats: { stream: names.stream, subject_prefix: names.prefix, consumer: names.consumer, ack_wait: "2s", heartbeat_interval: "500ms", ...nats },
    retry: { initial_delay: "20ms", rate_limit_delay: "50ms", jitter: 0 },
    model_registry: { endpoints: { main: { provider: "mock", model: "main-model" } } },
  };
}

async function track(service: Service): Promise<Service> {
  defer(() => service.stop());
  return service;
}

describe("redelivery", () => {
  it("answers exactly once after the process crashed before acking", async () => {
    const names = uniqueNames();
    const orchestrator = await TestOrchestrator.connect(names);
    defer(() => orchestrator.close());
    const child = await ChildService.start(fileConfig(names));
    defer(() => child.signal("SIGKILL"));
    await child.enqueue("main-model", [{ kind: "hang" }]);

    await orchestrator.publish(userRequest("crash-1", "main"));
    await child.waitFor(async () => (await child.mockRequestCount()) === 1, 10_000);
    await child.signal("SIGKILL"); // the call was in flight, nothing was published or acked

    const replacement = await track(await startTestService(testConfig(names, { nats: { ack_wait: "2s" } })));
    const response = await orchestrator.response("crash-1", 15_000);
    expect(response).toMatchObject({ request_id: "crash-1", status: "complete" });
    expect((replacement.mockProvider as MockProviderServer).requestsFor("main-model")).toHaveLength(1);
    await new Promise((resolve) => setTimeout(resolve, 2_500)); // past another ack wait: no second answer
    expect(await orchestrator.responseCount("crash-1")).toBe(1);
  });

  it("acks a redelivered request that was already answered, without calling the model", async () => {
    const names = uniqueNames();
    const service = await track(await startTestService(testConfig(names, { nats: { ack_wait: "1s" } })));
    const orchestrator = await TestOrchestrator.connect(names);
    defer(() => orchestrator.close());
    // A "replica" that took the delivery, published the answer, and died before its ack.
    await service.stop();
    await orchestrator.publish(userRequest("answered-1", "main"));
    const stolen = await (await jetstream(orchestrator.nats).consumers.get(names.stream, names.consumer)).next({ expires: 5_000 });
    expect(stolen?.info.deliveryCount).toBe(1);
    await jetstream(orchestrator.nats).publish(
      `${names.prefix}.response.answered-1`,
      JSON.stringify({
        request_id: "answered-1",
        status: "complete",
        message: { role: "assistant", content: "from before" },
        token_usage: { prompt_tokens: 1, completion_tokens: 1 },
      }),
      { msgID: "answered-1:response" },
    );

    const restarted = await track(await startTestService(testConfig(names, { nats: { ack_wait: "1s" } })));
    const mock = restarted.mockProvider as MockProviderServer;
    await expect
      .poll(async () => restarted.metrics.registry.getSingleMetricAsString("modelbus_deliveries_total"), { timeout: 8_000 })
      .toMatch(/outcome="ack",reason="already_answered"} 1/);
    expect(mock.requests).toHaveLength(0);
    expect(await orchestrator.responseCount("answered-1")).toBe(1);
    expect((await orchestrator.response("answered-1")).message.content).toBe("from before");
  });
});

describe("graceful shutdown", () => {
  it("finishes in-flight requests before stopping", async () => {
    const names = uniqueNames();
    const service = await startTestService(testConfig(names));
    const mock = service.mockProvider as MockProviderServer;
    const orchestrator = await TestOrchestrator.connect(names);
    defer(() => orchestrator.close());
    for (let index = 0; index < 3; index += 1) mock.enqueue("main-model", { kind: "text", content: `slow ${index}`, delay_ms: 400 });
    for (let index = 0; index < 3; index += 1) await orchestrator.publish(userRequest(`drain-${index}`, "main"));
    await expect.poll(() => mock.inFlight, { timeout: 5_000 }).toBe(3);
    await service.stop();
    for (let index = 0; index < 3; index += 1) {
      expect((await orchestrator.response(`drain-${index}`, 1_000)).status).toBe("complete");
    }
  });

  it("naks what cannot finish by the deadline so another replica answers it", async () => {
    const names = uniqueNames();
    const first = await startTestService(testConfig(names, { service: { shutdown_timeout: "300ms" } }));
    const orchestrator = await TestOrchestrator.connect(names);
    defer(() => orchestrator.close());
    (first.mockProvider as MockProviderServer).enqueue("main-model", { kind: "hang" });
    await orchestrator.publish(userRequest("stuck-1", "main"));
    await expect.poll(() => (first.mockProvider as MockProviderServer).inFlight, { timeout: 5_000 }).toBe(1);
    const stopping = Date.now();
    await first.stop();
    expect(Date.now() - stopping).toBeLessThan(3_000);
    expect(await first.metrics.registry.getSingleMetricAsString("modelbus_deliveries_total")).toMatch(/outcome="nak",reason="E_CANCELLED"} 1/);

    const second = await track(await startTestService(testConfig(names)));
    expect((await orchestrator.response("stuck-1", 10_000)).status).toBe("complete");
    expect((second.mockProvider as MockProviderServer).requests).toHaveLength(1);
    expect(await orchestrator.responseCount("stuck-1")).toBe(1);
  });

  it("shuts a real process down on SIGTERM with exit code 0", async () => {
    const names = uniqueNames();
    const orchestrator = await TestOrchestrator.connect(names);
    defer(() => orchestrator.close());
    const child = await ChildService.start(fileConfig(names));
    await child.enqueue("main-model", [{ kind: "text", content: "late", delay_ms: 500 }]);
    await orchestrator.publish(userRequest("term-1", "main"));
    await child.waitFor(async () => (await child.mockRequestCount()) === 1, 10_000);
    expect(await child.signal("SIGTERM")).toBe(0);
    expect((await orchestrator.response("term-1", 1_000)).message.content).toBe("late");
  });
});
