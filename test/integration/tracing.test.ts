/**
 * OpenTelemetry tracing end to end, against a real OTLP/HTTP receiver (test/support/otlp-receiver.ts,
 * decoding protobuf with the official .proto files): a NATS request that carries a W3C
 * traceparent is traced as one tree in the caller's trace (delivery → store, throttle waits,
 * provider attempts with a retry and a fallback, publish), the provider calls carry the
 * attempts' traceparent, the response carries the publish span's; the HTTP door does the same
 * with headers; every log line of a request carries its request_id, loop_id and trace id.
 */
import { randomBytes } from "node:crypto";
import { Writable } from "node:stream";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { headers as natsHeaders } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Service } from "../../src/main.ts";
import { createLogger } from "../../src/observability/logger.ts";
import { MockProviderServer } from "../../src/providers/mock/mock-provider-server.ts";
import { HttpTestClient, sseData, testApiKey } from "../support/http-test-service.ts";
import { OtlpReceiver, otlpKind, type ReceivedSpan } from "../support/otlp-receiver.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";
import { TestOrchestrator, startTestService, testConfig, uniqueNames, userRequest } from "../support/test-service.ts";

const names = uniqueNames();
const mainModel = `traced-main-${randomBytes(3).toString("hex")}`;
const spareModel = `traced-spare-${randomBytes(3).toString("hex")}`;
const logLines: Array<Record<string, unknown>> = [];
let receiver: OtlpReceiver;
let mock: MockProviderServer;
let database: TestDatabase;
let service: Service;
let orchestrator: TestOrchestrator;
let http: HttpTestClient;
let stopped = false;

const hex = (bytes: number) => randomBytes(bytes).toString("hex");
const traceparent = (traceId: string, spanId: string) => `00-${traceId}-${spanId}-01`;
const parseTraceparent = (value: string | null | undefined) => {
  const match = /^00-([0-9a-f]{32})-([0-9a-f]{16})-0[01]$/.exec(value ?? "");
  if (!match) throw new Error(`not a W3C traceparent: ${value}`);
  return { traceId: match[1] as string, spanId: match[2] as string };
};

/** Spans arrive in batches; stopping the service flushes the last one. */
async function flushedTrace(traceId: string): Promise<ReceivedSpan[]> {
  if (!stopped) {
    stopped = true;
    await service.stop();
  }
  expect(receiver.rejected).toEqual([]);
  return receiver.trace(traceId);
}

const natsCaller = { traceId: hex(16), spanId: hex(8) };
const httpCaller = { traceId: hex(16), spanId: hex(8) };
const streamCaller = { traceId: hex(16), spanId: hex(8) };
let natsResponseTraceparent: string | undefined;
let httpResponseTraceparent: string | null = null;
let streamResponseTraceparent: string | null = null;
const natsRequestId = `traced-${hex(4)}`;

beforeAll(async () => {
  receiver = await OtlpReceiver.start();
  mock = await MockProviderServer.start();
  database = await createTestDatabase();
  const config = testConfig(names, {
    store: { enabled: true },
    service: { log_level: "info" },
    retry: { max_attempts: 2 },
    breaker: { enabled: false },
    registry: {
      endpoints: {
        main: { provider: "openai", url: mock.url, model: mainModel },
        spare: { provider: "openai", url: mock.url, model: spareModel },
      },
      capabilities: { traced: { preferred: ["main"], fallback: ["spare"] } },
    },
  });
  const logs = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split("\n")) if (line.trim() !== "") logLines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  service = await startTestService(config, {
    databaseUrl: database.url,
    env: { MODELBUS_API_KEY: testApiKey, OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_SERVICE_NAME: "modelbus-under-test" },
    logger: createLogger({ level: "info", destination: logs }),
  });
  orchestrator = await TestOrchestrator.connect(names);
  http = new HttpTestClient(service.httpUrl);

  // NATS: main fails twice (one retry, then its attempts are spent), spare answers.
  mock.enqueue(mainModel, { kind: "error", status: 503 }, { kind: "error", status: 503 });
  mock.enqueue(spareModel, { kind: "text", content: "from spare", usage: { prompt_tokens: 7, completion_tokens: 3 } });
  const headers = natsHeaders();
  headers.set("traceparent", traceparent(natsCaller.traceId, natsCaller.spanId));
  const request = userRequest(natsRequestId, "traced", "hello", { loop_id: "loop-traced" });
  await jetstream(orchestrator.nats).publish(`${names.prefix}.request.test`, JSON.stringify(request), { headers });
  const response = await orchestrator.response(natsRequestId);
  expect(response.status).toBe("complete");
  const stored = await (
    await jetstreamManager(orchestrator.nats)
  ).streams.getMessage(names.stream, { last_by_subj: `${names.prefix}.response.${natsRequestId}` });
  natsResponseTraceparent = stored?.header?.get("traceparent");

  // HTTP, plain (after one retry, which logs) and streamed.
  mock.enqueue(mainModel, { kind: "error", status: 503 }, { kind: "text", content: "over http" });
  const answered = await http.post(
    "/v1/chat/completions",
    { model: "main", messages: [{ role: "user", content: "hi" }] },
    { headers: { traceparent: traceparent(httpCaller.traceId, httpCaller.spanId) } },
  );
  expect(answered.status).toBe(200);
  httpResponseTraceparent = answered.headers.get("traceparent");
  mock.enqueue(mainModel, { kind: "text", content: "streamed over http" });
  const streamed = await http.post(
    "/v1/chat/completions",
    { model: "main", stream: true, messages: [{ role: "user", content: "hi" }] },
    { headers: { traceparent: traceparent(streamCaller.traceId, streamCaller.spanId) } },
  );
  expect(sseData(streamed.text).at(-1)).toBe("[DONE]");
  streamResponseTraceparent = streamed.headers.get("traceparent");
}, 60_000);

afterAll(async () => {
  if (!stopped) await service?.stop();
  await orchestrator?.close();
  await database?.drop();
  await mock?.close();
  await receiver?.close();
});

describe("a NATS request with a traceparent", () => {
  it("is one span tree in the caller's trace: delivery, store, throttle waits, attempts with a retry and a fallback, publish", async () => {
    const spans = await flushedTrace(natsCaller.traceId);
    const byName = (name: string) => spans.filter((span) => span.name === name);
    const [delivery] = byName("modelbus.delivery");
    expect(delivery).toBeDefined();
    if (!delivery) return;
    // Across the NATS hop: the caller's span is the delivery's parent.
    expect(delivery.parentSpanId).toBe(natsCaller.spanId);
    expect(delivery.kind).toBe(otlpKind.consumer);
    expect(delivery.resource["service.name"]).toBe("modelbus-under-test");
    expect(delivery.attributes).toMatchObject({
      "messaging.system": "nats",
      "gen_ai.operation.name": "chat",
      "gen_ai.request.model": "traced",
      "gen_ai.response.model": spareModel,
      "gen_ai.usage.input_tokens": 7,
      "gen_ai.usage.output_tokens": 3,
      "gen_ai.response.finish_reasons": ["stop"],
      "modelbus.request_id": natsRequestId,
      "modelbus.loop_id": "loop-traced",
      "modelbus.endpoint": "spare",
    });
    // Everything else hangs off the delivery.
    for (const span of spans.filter((each) => each !== delivery)) expect(span.parentSpanId, span.name).toBe(delivery.spanId);

    const attempts = spans.filter((span) => span.name.startsWith("chat "));
    expect(attempts.map((span) => [span.name, span.attributes["modelbus.attempt"], span.status])).toEqual([
      [`chat ${mainModel}`, 1, 2],
      [`chat ${mainModel}`, 2, 2],
      [`chat ${spareModel}`, 1, 0],
    ]);
    for (const attempt of attempts) {
      expect(attempt.kind).toBe(otlpKind.client);
      expect(attempt.attributes["gen_ai.operation.name"]).toBe("chat");
      expect(attempt.attributes["gen_ai.provider.name"]).toBe("openai");
    }
    expect(attempts[0]?.attributes["error.type"]).toBe("E_PROVIDER_UNAVAILABLE");
    expect(attempts[2]?.attributes).toMatchObject({
      "gen_ai.request.model": spareModel,
      "gen_ai.response.model": spareModel,
      "gen_ai.usage.input_tokens": 7,
      "gen_ai.usage.output_tokens": 3,
    });
    expect(byName("modelbus.throttle.wait")).toHaveLength(3);
    expect(byName("modelbus.store.begin")).toHaveLength(1);
    expect(byName("modelbus.store.complete")).toHaveLength(1);

    const events = delivery.events.map((event) => event.name);
    expect(events).toEqual(["modelbus.retry", "modelbus.fallback"]);
    expect(delivery.events[0]?.attributes).toMatchObject({
      "modelbus.endpoint": "main",
      "modelbus.attempt": 1,
      "modelbus.retry.reason": "transient",
      "error.type": "E_PROVIDER_UNAVAILABLE",
    });
    expect(delivery.events[1]?.attributes).toMatchObject({ "modelbus.fallback.from": "main", "modelbus.fallback.to": "spare" });

    // The provider saw each attempt's own span as its parent.
    const sent = [...mock.requestsFor(mainModel).slice(0, 2), ...mock.requestsFor(spareModel)].map((record) => parseTraceparent(record.headers.traceparent));
    expect(sent).toEqual(attempts.map((attempt) => ({ traceId: natsCaller.traceId, spanId: attempt.spanId })));

    // The response carries the publish span back.
    const [publish] = byName("modelbus.publish");
    expect(publish?.kind).toBe(otlpKind.producer);
    expect(parseTraceparent(natsResponseTraceparent)).toEqual({ traceId: natsCaller.traceId, spanId: publish?.spanId });
  });

  it("logs every line of the request with its request_id, loop_id and trace id", async () => {
    await flushedTrace(natsCaller.traceId);
    const lines = logLines.filter((line) => line.request_id === natsRequestId);
    expect(lines.map((line) => line.msg)).toEqual(expect.arrayContaining(["retrying provider call", "falling back to the next endpoint"]));
    for (const line of lines) expect(line).toMatchObject({ loop_id: "loop-traced", trace_id: natsCaller.traceId });
  });
});

describe("an HTTP request with a traceparent", () => {
  it("is a server span in the caller's trace, with the attempt under it, and answers with its traceparent", async () => {
    const spans = await flushedTrace(httpCaller.traceId);
    const [server] = spans.filter((span) => span.kind === otlpKind.server);
    expect(server?.name).toBe("POST /v1/chat/completions");
    expect(server?.parentSpanId).toBe(httpCaller.spanId);
    expect(server?.attributes).toMatchObject({
      "http.request.method": "POST",
      "http.route": "/v1/chat/completions",
      "http.response.status_code": 200,
      "gen_ai.response.model": mainModel,
    });
    expect(parseTraceparent(httpResponseTraceparent)).toEqual({ traceId: httpCaller.traceId, spanId: server?.spanId });
    const attempts = spans.filter((span) => span.name === `chat ${mainModel}`);
    expect(attempts.map((attempt) => [attempt.parentSpanId, attempt.status])).toEqual([
      [server?.spanId, 2],
      [server?.spanId, 0],
    ]);
    expect(server?.events.map((event) => event.name)).toEqual(["modelbus.retry"]);
  });

  it("does the same for a streamed answer (SSE)", async () => {
    const spans = await flushedTrace(streamCaller.traceId);
    const [server] = spans.filter((span) => span.kind === otlpKind.server);
    expect(server?.parentSpanId).toBe(streamCaller.spanId);
    expect(parseTraceparent(streamResponseTraceparent)).toEqual({ traceId: streamCaller.traceId, spanId: server?.spanId });
    expect(spans.some((span) => span.name === `chat ${mainModel}` && span.parentSpanId === server?.spanId)).toBe(true);
  });

  it("logs the HTTP request's lines with its trace id", async () => {
    await flushedTrace(httpCaller.traceId);
    const lines = logLines.filter((line) => line.trace_id === httpCaller.traceId);
    expect(lines.map((line) => line.msg)).toContain("retrying provider call");
    for (const line of lines) expect(String(line.request_id)).toMatch(/^http-/);
  });
});

describe("with tracing off (no OTEL_* set)", () => {
  it("makes no spans and sends no traceparent on, but logs the caller's trace id", async () => {
    const offNames = uniqueNames();
    const offModel = `untraced-${hex(3)}`;
    const lines: Array<Record<string, unknown>> = [];
    const logs = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString().split("\n")) if (line.trim() !== "") lines.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
    const off = await startTestService(
      testConfig(offNames, { service: { log_level: "info" }, registry: { endpoints: { main: { provider: "openai", url: mock.url, model: offModel } } } }),
      {
        logger: createLogger({ level: "info", destination: logs }),
      },
    );
    const caller = await TestOrchestrator.connect(offNames);
    try {
      const before = receiver.spans.length;
      const callerTrace = { traceId: hex(16), spanId: hex(8) };
      mock.enqueue(offModel, { kind: "error", status: 503 }, { kind: "text", content: "untraced" });
      const headers = natsHeaders();
      headers.set("traceparent", traceparent(callerTrace.traceId, callerTrace.spanId));
      const requestId = `untraced-${hex(4)}`;
      await jetstream(caller.nats).publish(`${offNames.prefix}.request.test`, JSON.stringify(userRequest(requestId, "main", "hi", { loop_id: "loop-off" })), {
        headers,
      });
      expect((await caller.response(requestId)).status).toBe("complete");
      const stored = await (
        await jetstreamManager(caller.nats)
      ).streams.getMessage(offNames.stream, { last_by_subj: `${offNames.prefix}.response.${requestId}` });
      expect(stored?.header?.get("traceparent") ?? "").toBe("");
      expect(mock.requestsFor(offModel).map((record) => record.headers.traceparent)).toEqual([undefined, undefined]);
      const retried = lines.find((line) => line.request_id === requestId && line.msg === "retrying provider call");
      expect(retried).toMatchObject({ loop_id: "loop-off", trace_id: callerTrace.traceId });
      expect(retried?.span_id).toBeUndefined();
      await off.stop();
      expect(receiver.spans.length).toBe(before);
    } finally {
      await off.stop();
      await caller.close();
    }
  });
});
