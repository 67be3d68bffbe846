/**
 * Fault suite, provider side (issue #6 item 5, faults 1-4): one fault per test, injected
 * at the provider; every request must get exactly one correct response, nothing lost.
 */
import { describe, expect, it } from "vitest";
import type { AgentResponse } from "../../src/core/agent-response.ts";
import type { Service } from "../../src/main.ts";
import type { MockBehaviour } from "../../src/providers/mock/mock-behaviour.ts";
import type { MockProviderServer } from "../../src/providers/mock/mock-provider-server.ts";
import type { StreamChunk } from "../../src/transports/nats/chunk-publisher.ts";
import { CuttingSseServer } from "../support/cutting-sse-server.ts";
import {
  callsByRequest,
  collectResponses,
  consumerBacklog,
  expectExactlyOnce,
  faultConfig,
  metricValue,
  publishAll,
  startFaultService,
  type FaultOverrides,
} from "../support/fault-kit.ts";
import { TestOrchestrator, uniqueNames, userRequest } from "../support/test-service.ts";
import { cleanupAfterEach } from "../support/cleanups.ts";

const defer = cleanupAfterEach();

async function setUp(overrides: FaultOverrides = {}) {
  const names = uniqueNames();
  const service = await startFaultService(faultConfig(names, overrides));
  defer(() => service.stop());
  const orchestrator = await TestOrchestrator.connect(names);
  defer(() => orchestrator.close());
  return { names, service, orchestrator, mock: service.mockProvider as MockProviderServer };
}

/** Nothing left working: no slot, no endpoint gauge, no open call at the mock, no unacked delivery. */
async function expectNothingHanging(service: Service, orchestrator: TestOrchestrator, names: ReturnType<typeof uniqueNames>, mock?: MockProviderServer) {
  // (consumer.inFlight counts the slot its loop holds while waiting for the next message)
  await expect.poll(() => service.consumer.inFlight, { timeout: 5_000 }).toBeLessThanOrEqual(1);
  await expect.poll(() => metricValue(service, "modelbus_requests_in_flight"), { timeout: 5_000 }).toBe(0);
  if (mock) await expect.poll(() => mock.inFlight, { timeout: 5_000 }).toBe(0);
  await expect.poll(async () => (await consumerBacklog(orchestrator, names)).ackPending, { timeout: 5_000 }).toBe(0);
}

const requests = (prefix: string, count: number, model: string, extra: Record<string, unknown> = {}) =>
  Array.from({ length: count }, (_, index) => userRequest(`${prefix}-${index}`, model, `${prefix}-${index}`, extra));

describe("fault 1: a 429 storm with Retry-After", () => {
  it("waits out every Retry-After, then answers all 30 requests; every 429 is counted", { timeout: 30_000 }, async () => {
    const { names, service, orchestrator, mock } = await setUp();
    const storm = 45; // the first wave of 30 all get 429, then 15 of the second wave
    mock.enqueue("main-model", ...Array.from({ length: storm }, (): MockBehaviour => ({ kind: "error", status: 429, retry_after: "1", message: "slow down" })));

    const ids = await publishAll(orchestrator, requests("storm", 30, "main"));
    const responses = await collectResponses(orchestrator, ids, 20_000);

    for (const response of responses.values()) expect(response).toMatchObject({ status: "complete", endpoint: "main" });
    expect([...responses.values()].reduce((sum, response) => sum + (response.retry_count ?? 0), 0)).toBe(storm);
    // The mock answered its calls in arrival order: the first `storm` got a 429.
    const ordered = mock.requestsFor("main-model");
    expect(ordered).toHaveLength(30 + storm);
    const wasRateLimited = new Set(ordered.slice(0, storm));
    for (const [id, calls] of callsByRequest(mock, "main-model")) {
      expect(calls.length, id).toBe((responses.get(id)?.retry_count ?? 0) + 1);
      for (let index = 1; index < calls.length; index += 1) {
        const previous = calls[index - 1];
        const current = calls[index];
        if (previous && current && wasRateLimited.has(previous)) {
          // rate_limit_delay is 50ms: only the Retry-After of 1s explains this gap
          expect(current.receivedAt - previous.receivedAt, id).toBeGreaterThanOrEqual(990);
        }
      }
    }
    expect(await metricValue(service, "modelbus_rate_limit_hits_total", { endpoint: "main" })).toBe(storm);
    expect(await metricValue(service, "modelbus_retries_total", { endpoint: "main", reason: "rate_limit" })).toBe(storm);
    expect(await metricValue(service, "modelbus_requests_total", { endpoint: "main", status: "complete" })).toBe(30);
    expect(await metricValue(service, "modelbus_errors_total")).toBe(0);
    await expectExactlyOnce(orchestrator, ids);
    await expectNothingHanging(service, orchestrator, names, mock);
  });

  it("answers E_PROVIDER_RATE_LIMITED once the 429 budget is spent, without waiting past it", { timeout: 20_000 }, async () => {
    const { names, service, orchestrator, mock } = await setUp({ retry: { max_rate_limit_retries: 2 } });
    mock.enqueue("main-model", ...Array.from({ length: 30 }, (): MockBehaviour => ({ kind: "error", status: 429, retry_after_ms: 200 })));
    const ids = await publishAll(orchestrator, requests("spent", 10, "main"));
    const responses = await collectResponses(orchestrator, ids, 10_000);
    for (const response of responses.values()) {
      expect(response).toMatchObject({ status: "error", error_code: "E_PROVIDER_RATE_LIMITED", retry_count: 2 });
      expect(response.error).toContain("429");
    }
    expect(mock.requestsFor("main-model")).toHaveLength(30);
    expect(await metricValue(service, "modelbus_errors_total", { code: "E_PROVIDER_RATE_LIMITED" })).toBe(10);
    expect(await metricValue(service, "modelbus_rate_limit_hits_total", { endpoint: "main" })).toBe(30);
    await expectExactlyOnce(orchestrator, ids);
    await expectNothingHanging(service, orchestrator, names, mock);
  });
});

describe("fault 2: bursts of 500/502/503", () => {
  it("retries each failure; requests that exhaust max_attempts get E_PROVIDER_UNAVAILABLE, the rest complete", { timeout: 30_000 }, async () => {
    const { names, service, orchestrator, mock } = await setUp({ retry: { max_attempts: 3 } });
    const statuses = [500, 502, 503];
    const burst = 45; // 20 requests × 2 tolerated failures = 40 < 45: at least 5 must exhaust
    mock.enqueue(
      "main-model",
      ...Array.from({ length: burst }, (_, index): MockBehaviour => ({ kind: "error", status: statuses[index % 3] as number, message: "upstream down" })),
    );

    const ids = await publishAll(orchestrator, requests("burst", 20, "main"));
    const responses = await collectResponses(orchestrator, ids, 20_000);

    const failed = [...responses.values()].filter((response) => response.status === "error");
    const completed = [...responses.values()].filter((response) => response.status === "complete");
    expect(failed.length + completed.length).toBe(20);
    expect(failed.length).toBeGreaterThanOrEqual(5);
    expect(failed.length).toBeLessThanOrEqual(15);
    for (const response of failed) {
      expect(response).toMatchObject({ error_code: "E_PROVIDER_UNAVAILABLE", retry_count: 2, endpoint: "main", message: { role: "" } });
      expect(response.error).toMatch(/HTTP 50[023]/);
    }
    const ordered = mock.requestsFor("main-model");
    const wasError = new Set(ordered.slice(0, burst));
    for (const [id, calls] of callsByRequest(mock, "main-model")) {
      const response = responses.get(id) as AgentResponse;
      expect(calls.length, id).toBe((response.retry_count ?? 0) + 1);
      // every call but the last failed; the last failed exactly when the answer is an error
      expect(
        calls.slice(0, -1).every((call) => wasError.has(call)),
        id,
      ).toBe(true);
      expect(wasError.has(calls.at(-1) as (typeof calls)[number]), id).toBe(response.status === "error");
    }
    expect(ordered).toHaveLength(burst + completed.length);
    expect(await metricValue(service, "modelbus_errors_total", { code: "E_PROVIDER_UNAVAILABLE" })).toBe(failed.length);
    // the last failure of an exhausted request is not retried
    expect(await metricValue(service, "modelbus_retries_total", { endpoint: "main", reason: "transient" })).toBe(burst - failed.length);
    expect(await metricValue(service, "modelbus_requests_total", { endpoint: "main", status: "error" })).toBe(failed.length);
    await expectExactlyOnce(orchestrator, ids);
    await expectNothingHanging(service, orchestrator, names, mock);
  });
});

describe("fault 3: a provider that hangs", () => {
  it("answers E_PROVIDER_TIMEOUT at the request timeout, closes the calls, and leaves no delivery hanging", { timeout: 20_000 }, async () => {
    const { names, service, orchestrator, mock } = await setUp();
    const startedAt = Date.now();
    const ids = await publishAll(orchestrator, [
      ...requests("hang", 10, "main", { timeout: "600ms" }).map((request) => ({
        ...request,
        messages: [{ role: "user", content: `[mock:hang] ${String(request.request_id)}` }],
      })),
      ...requests("fine", 5, "main"),
    ]);
    const responses = await collectResponses(orchestrator, ids, 5_000);
    const elapsed = Date.now() - startedAt;

    for (const id of ids.filter((id) => id.startsWith("hang"))) {
      const response = responses.get(id) as AgentResponse;
      expect(response).toMatchObject({ status: "error", error_code: "E_PROVIDER_TIMEOUT", endpoint: "main" });
      expect(response.latency_ms).toBeGreaterThanOrEqual(590);
      expect(response.latency_ms).toBeLessThan(1_600);
    }
    for (const id of ids.filter((id) => id.startsWith("fine"))) expect(responses.get(id)?.status).toBe("complete");
    expect(elapsed).toBeLessThan(3_000);
    expect(await metricValue(service, "modelbus_errors_total", { code: "E_PROVIDER_TIMEOUT" })).toBe(10);
    // a timeout is the deadline, not a transient failure: no retry
    expect(mock.requestsFor("main-model")).toHaveLength(15);
    await expectExactlyOnce(orchestrator, ids);
    await expectNothingHanging(service, orchestrator, names, mock);
  });

  it("keeps a delivery whose call outlives ack_wait alive with heartbeats: no redelivery, one answer", { timeout: 20_000 }, async () => {
    const { names, service, orchestrator, mock } = await setUp({ nats: { ack_wait: "1s", heartbeat_interval: "250ms" } });
    const ids = await publishAll(
      orchestrator,
      requests("long", 5, "main", { timeout: "2500ms" }).map((request) => ({ ...request, messages: [{ role: "user", content: "[mock:hang]" }] })),
    );
    const responses = await collectResponses(orchestrator, ids, 6_000);
    for (const response of responses.values()) expect(response).toMatchObject({ status: "error", error_code: "E_PROVIDER_TIMEOUT" });
    expect(mock.requests).toHaveLength(5);
    expect(await metricValue(service, "modelbus_redeliveries_total")).toBe(0);
    await expectExactlyOnce(orchestrator, ids, 1_500);
    expect((await consumerBacklog(orchestrator, names)).redelivered).toBe(0);
    await expectNothingHanging(service, orchestrator, names, mock);
  });
});

describe("fault 4: a provider that cuts its stream", () => {
  it("ends requests whose text went out as E_PROVIDER_STREAM_INTERRUPTED with the partial content; retries the rest", { timeout: 30_000 }, async () => {
    const cutter = await CuttingSseServer.start({ pieces: ["Half ", "an ", "answer"] });
    defer(() => cutter.close());
    const { names, service, orchestrator, mock } = await setUp({
      // More attempts than failures queued per endpoint (6): under load one request may draw
      // several of them before the others arrive, and must still end with an answer.
      retry: { max_attempts: 7 },
      registry: {
        endpoints: {
          cut: { provider: "mock", model: "cut-model", stream: true },
          silent: { provider: "mock", model: "silent-model", stream: true },
          closer: { provider: "mock", model: "close-model", stream: true },
          torn: { provider: "openai", url: cutter.url, model: "torn-model", stream: true },
        },
      },
    });
    const perKind = 6;
    // text goes out, then the stream ends cleanly without a finish reason
    mock.enqueue(
      "cut-model",
      ...Array.from({ length: perKind }, (): MockBehaviour => ({ kind: "stream_cut", content: "This answer stops half way through", after_chunks: 2 })),
    );
    // the stream ends before any text: nothing was published, so it is retried
    mock.enqueue("silent-model", ...Array.from({ length: perKind }, (): MockBehaviour => ({ kind: "stream_cut", after_chunks: 0 })));
    // the connection is dropped before any response: retried
    mock.enqueue("close-model", ...Array.from({ length: perKind }, (): MockBehaviour => ({ kind: "close" })));

    const chunks = new Map<string, StreamChunk[]>();
    const subscription = orchestrator.nats.subscribe(`${names.prefix}.stream.>`, {
      callback: (_error, message) => {
        const chunk = message.json<StreamChunk>();
        chunks.set(chunk.request_id, [...(chunks.get(chunk.request_id) ?? []), chunk]);
      },
    });
    defer(async () => subscription.unsubscribe());
    await orchestrator.nats.flush();

    const ids = await publishAll(orchestrator, [
      ...requests("cut", perKind, "cut"),
      ...requests("silent", perKind, "silent"),
      ...requests("closer", perKind, "closer"),
      ...requests("torn", perKind, "torn"),
    ]);
    const responses = await collectResponses(orchestrator, ids, 15_000);
    await orchestrator.nats.flush();
    const published = (id: string) => (chunks.get(id) ?? []).map((chunk) => chunk.content_delta ?? "").join("");

    for (const kind of ["cut", "torn"]) {
      for (let index = 0; index < perKind; index += 1) {
        const id = `${kind}-${index}`;
        const response = responses.get(id) as AgentResponse;
        expect(response, id).toMatchObject({ status: "error", error_code: "E_PROVIDER_STREAM_INTERRUPTED", endpoint: kind });
        expect(response.message.content, id).toBe(kind === "cut" ? "This answer stop" : "Half an answer");
        expect(published(id), id).toBe(response.message.content);
        expect(
          chunks.get(id)?.some((chunk) => chunk.done),
          id,
        ).toBe(false);
        expect(response.retry_count, id).toBeUndefined();
      }
    }
    expect(mock.requestsFor("cut-model")).toHaveLength(perKind);
    expect(cutter.received).toHaveLength(perKind); // never retried once text went out

    for (const [kind, model] of [
      ["silent", "silent-model"],
      ["closer", "close-model"],
    ] as const) {
      let retries = 0;
      for (let index = 0; index < perKind; index += 1) {
        const id = `${kind}-${index}`;
        const response = responses.get(id) as AgentResponse;
        expect(response, id).toMatchObject({ status: "complete", endpoint: kind });
        expect(published(id), id).toBe(response.message.content);
        expect(chunks.get(id)?.at(-1), id).toEqual({ request_id: id, done: true });
        retries += response.retry_count ?? 0;
      }
      // Each failed attempt (whichever request drew it from the mock's queue) was retried once.
      expect(retries, kind).toBe(perKind);
      expect(mock.requestsFor(model)).toHaveLength(2 * perKind);
    }
    expect(await metricValue(service, "modelbus_errors_total", { code: "E_PROVIDER_STREAM_INTERRUPTED" })).toBe(2 * perKind);
    expect(await metricValue(service, "modelbus_retries_total", { reason: "transient" })).toBe(2 * perKind);
    await expectExactlyOnce(orchestrator, ids);
    await expectNothingHanging(service, orchestrator, names, mock);
  });
});
