/**
 * `wire_backend: "responses"` end to end: requests over the real NATS JetStream, the
 * built-in mock's /v1/responses over real HTTP, outcomes stored in MariaDB. Plain text,
 * tools, reasoning carried over two turns, streaming (whole and cut), 429 with Retry-After,
 * 500 then success, fallback to the next endpoint, the concurrency limit, metrics.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { opaqueText } from "../../src/core/reasoning-record.ts";
import type { Service } from "../../src/main.ts";
import type { MockProviderServer } from "../../src/providers/mock/mock-provider-server.ts";
import { metricValue } from "../support/fault-kit.ts";
import { goDecodeOne } from "../support/semstreams-wire.ts";
import { createTestDatabase, queryTestDatabase, type TestDatabase } from "../support/test-database.ts";
import { TestOrchestrator, startTestService, testConfig, uniqueNames, userRequest } from "../support/test-service.ts";

type Json = Record<string, unknown>;

const names = uniqueNames();
let database: TestDatabase;
let service: Service;
let mock: MockProviderServer;
let orchestrator: TestOrchestrator;

const responses = { provider: "mock", wire_backend: "responses", supports_tools: true } as const;

beforeAll(async () => {
  database = await createTestDatabase();
  const config = testConfig(names, {
    store: { enabled: true },
    retry: { max_attempts: 2 },
    registry: {
      endpoints: {
        resp: { ...responses, model: "resp-model", max_output_tokens: 256 },
        thinker: { ...responses, model: "thinker-model", reasoning_effort: "medium" },
        streamer: { ...responses, model: "stream-model", stream: true, reasoning_effort: "low" },
        flaky: { ...responses, model: "flaky-model" },
        narrow: { ...responses, model: "narrow-model", max_concurrent: 1 },
      },
      capabilities: { chain: { preferred: ["flaky"], fallback: ["resp"] } },
    },
  });
  service = await startTestService(config, { databaseUrl: database.url });
  mock = service.mockProvider as MockProviderServer;
  orchestrator = await TestOrchestrator.connect(names);
}, 30_000);

afterAll(async () => {
  await service?.stop();
  await orchestrator?.close();
  await database?.drop();
});

const lastBody = (model: string) => mock.requestsFor(model).at(-1)?.body as Json;
const tools = [
  { name: "get_weather", description: "Weather for a city", parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } },
];

describe("the Responses API backend", () => {
  it("answers plain text, stateless, with the endpoint's max_output_tokens and the usage mapped", async () => {
    const response = await orchestrator.send({
      ...userRequest("rb-plain", "resp", "hello there"),
      messages: [
        { role: "system", content: "be brief" },
        { role: "user", content: "hello there" },
      ],
    });
    expect(response).toMatchObject({
      status: "complete",
      finish_reason: "completed",
      message: { role: "assistant", content: "mock answer: hello there" },
      endpoint: "resp",
      provider_model: "resp-model",
    });
    expect(response.token_usage.prompt_tokens).toBeGreaterThan(0);
    const body = lastBody("resp-model");
    expect(body).toMatchObject({
      model: "resp-model",
      store: false,
      max_output_tokens: 256,
      input: [
        { type: "message", role: "developer", content: [{ type: "input_text", text: "be brief" }] },
        { type: "message", role: "user", content: [{ type: "input_text", text: "hello there" }] },
      ],
    });
    expect(body).not.toHaveProperty("messages");
  });

  it("calls tools: flat tool definitions out, function calls back as tool calls", async () => {
    const response = await orchestrator.send(
      userRequest("rb-tools", "resp", "what is the weather in Oslo?", { tools, tool_choice: { mode: "function", function_name: "get_weather" } }),
    );
    expect(response.status).toBe("tool_call");
    expect(response.message.tool_calls).toEqual([{ id: expect.stringMatching(/^call_mock_/), name: "get_weather", arguments: { city: expect.any(String) } }]);
    expect(lastBody("resp-model")).toMatchObject({
      tools: [{ type: "function", name: "get_weather", description: "Weather for a city", strict: false, parameters: tools[0]?.parameters }],
      tool_choice: { type: "function", name: "get_weather" },
    });
  });

  it("carries encrypted reasoning over two turns, back only to OpenAI, and Go reads it", async () => {
    const first = await orchestrator.send(userRequest("rb-think-1", "thinker", "weather in Rome?", { tools }));
    expect(first.status).toBe("tool_call");
    expect(lastBody("thinker-model")).toMatchObject({ reasoning: { effort: "medium" }, include: ["reasoning.encrypted_content"] });
    const [record] = first.message.reasoning_records ?? [];
    expect(record).toMatchObject({
      provider: "openai",
      carrier_kind: "standalone_item",
      item_id: expect.stringMatching(/^rs_/),
      summary_text: "mock reasoning summary",
    });
    const encrypted = opaqueText(String(record?.opaque));
    expect(Buffer.from(encrypted, "base64").toString()).toMatch(/^mock-encrypted-reasoning:/);
    // The loop decodes the response with Go, keeps the assistant message, answers the call.
    const raw = await orchestrator.rawResponse("rb-think-1");
    expect(goDecodeOne("AgentResponse", raw).opaque_texts).toEqual([encrypted]);

    const call = first.message.tool_calls?.[0];
    const second = await orchestrator.send({
      request_id: "rb-think-2",
      model: "thinker",
      tools,
      messages: [
        { role: "user", content: "weather in Rome?" },
        {
          ...first.message,
          role: "assistant",
          reasoning_records: [
            ...(first.message.reasoning_records ?? []),
            { provider: "google", opaque: "c2ln", carrier_kind: "tool_call", tool_call_id: call?.id },
          ],
        },
        { role: "tool", tool_call_id: call?.id, name: "get_weather", content: "sunny" },
      ],
    });
    expect(second.status).toBe("complete");
    const input = lastBody("thinker-model").input as Json[];
    expect(input.map((item) => item.type)).toEqual(["message", "reasoning", "function_call", "function_call_output"]);
    expect(input[1]).toEqual({
      type: "reasoning",
      id: record?.item_id,
      summary: [{ type: "summary_text", text: "mock reasoning summary" }],
      encrypted_content: encrypted,
    });
    expect(input[2]).toMatchObject({ call_id: call?.id, name: "get_weather", arguments: JSON.stringify(call?.arguments) });
    expect(input[3]).toEqual({ type: "function_call_output", call_id: call?.id, output: "sunny" });
  });

  it("streams text and reasoning-summary deltas, then done; the answer is the terminal event's", async () => {
    const { chunks, response } = await orchestrator.sendStreaming(userRequest("rb-stream", "streamer", "stream this please"));
    expect(response).toMatchObject({
      status: "complete",
      finish_reason: "completed",
      message: { content: "mock answer: stream this please", reasoning_content: "mock reasoning summary" },
    });
    expect(chunks.map((chunk) => chunk.content_delta ?? "").join("")).toBe("mock answer: stream this please");
    expect(chunks.map((chunk) => chunk.reasoning_delta ?? "").join("")).toBe("mock reasoning summary");
    expect(chunks.at(-1)).toEqual({ request_id: "rb-stream", done: true });
    expect(lastBody("stream-model")).toMatchObject({ stream: true });
    expect(await metricValue(service, "modelbus_stream_chunks_total", { endpoint: "streamer" })).toBeGreaterThan(5);
  });

  it("reports a stream cut before its terminal event as interrupted, with what arrived", async () => {
    const { chunks, response } = await orchestrator.sendStreaming(userRequest("rb-cut", "streamer", "[mock:cut] a longer answer that will be cut"));
    expect(response).toMatchObject({ status: "error", error_code: "E_PROVIDER_STREAM_INTERRUPTED" });
    expect(response.message.content).toBeTruthy();
    expect(chunks.map((chunk) => chunk.content_delta ?? "").join("")).toBe(response.message.content);
    expect(chunks.some((chunk) => chunk.done)).toBe(false);
  });

  it("waits out a 429's Retry-After and answers, with retry_count", async () => {
    mock.enqueue("resp-model", { kind: "error", status: 429, retry_after: "1", message: "slow down" });
    const startedAt = Date.now();
    const response = await orchestrator.send(userRequest("rb-429", "resp", "again"));
    expect(response).toMatchObject({ status: "complete", retry_count: 1 });
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(950);
    expect(await metricValue(service, "modelbus_rate_limit_hits_total", { endpoint: "resp" })).toBeGreaterThanOrEqual(1);
  });

  it("retries a 500 and answers", async () => {
    mock.enqueue("resp-model", { kind: "error", status: 500 });
    expect(await orchestrator.send(userRequest("rb-500", "resp", "once more"))).toMatchObject({ status: "complete", retry_count: 1 });
  });

  it("falls back to the next endpoint of the capability when one keeps failing", async () => {
    mock.enqueue("flaky-model", { kind: "error", status: 503 }, { kind: "error", status: 503 });
    const response = await orchestrator.send(userRequest("rb-chain", "chain", "who answers?"));
    expect(response).toMatchObject({ status: "complete", endpoint: "resp", retry_count: 1 });
    expect(await metricValue(service, "modelbus_fallbacks_total", { from: "flaky", to: "resp" })).toBe(1);
  });

  it("holds the endpoint's max_concurrent", async () => {
    mock.resetStats();
    const ids = Array.from({ length: 4 }, (_, index) => `rb-narrow-${index}`);
    await Promise.all(ids.map((id) => orchestrator.send(userRequest(id, "narrow", "[mock:delay=100] wait"), 15_000)));
    expect(mock.maxInFlight("narrow-model")).toBe(1);
  });

  it("stores every outcome like a chat completion's", async () => {
    const rows = await queryTestDatabase<{ request_id: string; endpoint: string; status: string; finish_reason: string; retry_count: number }>(
      database.url,
      "SELECT CONVERT(request_id USING utf8mb4) AS request_id, endpoint, status, finish_reason, retry_count FROM inferences WHERE request_id IN (?, ?, ?) ORDER BY request_id",
      ["rb-429", "rb-plain", "rb-think-2"],
    );
    expect(rows).toEqual([
      { request_id: "rb-429", endpoint: "resp", status: "complete", finish_reason: "completed", retry_count: 1 },
      { request_id: "rb-plain", endpoint: "resp", status: "complete", finish_reason: "completed", retry_count: 0 },
      { request_id: "rb-think-2", endpoint: "thinker", status: "complete", finish_reason: "completed", retry_count: 0 },
    ]);
    expect(await metricValue(service, "modelbus_requests_total", { endpoint: "resp", status: "complete" })).toBeGreaterThanOrEqual(4);
  });
});
