import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Service } from "../../src/main.ts";
import { MockProviderServer } from "../../src/providers/mock/mock-provider-server.ts";
import { mockThoughtSignature } from "../../src/providers/mock/build-mock-reply.ts";
import type { StreamChunk } from "../../src/transports/nats/chunk-publisher.ts";
import { TestOrchestrator, startTestService, testConfig, uniqueNames, userRequest } from "../support/test-service.ts";

const names = uniqueNames();
let service: Service;
let mock: MockProviderServer;
let orchestrator: TestOrchestrator;

beforeAll(async () => {
  // Real provider kinds (openai, gemini) served by a mock the test runs itself.
  mock = await MockProviderServer.start();
  const url = mock.url;
  service = await startTestService(
    testConfig(names, {
      registry: {
        endpoints: {
          streamer: { provider: "openai", url, model: "stream-model", stream: true },
          plain: { provider: "openai", url, model: "plain-model" },
          gem: { provider: "gemini", url, model: "gemini-model", stream: true },
          slow: { provider: "openai", url, model: "slow-model", stream: true, first_token_timeout: "300ms" },
        },
      },
    }),
  );
  orchestrator = await TestOrchestrator.connect(names);
});

afterAll(async () => {
  await service?.stop();
  await orchestrator?.close();
  await mock?.close();
});

/** Sends a request while listening on its stream subject; returns the chunks and the response. */

const joined = (chunks: StreamChunk[], field: "content_delta" | "reasoning_delta") => chunks.map((chunk) => chunk[field] ?? "").join("");

describe("streaming", () => {
  it("publishes content deltas in order, then done, and a final response equal to their concatenation", async () => {
    const text = "Streaming is the art of saying things a little at a time.";
    mock.enqueue("stream-model", { kind: "text", content: text, usage: { prompt_tokens: 12, completion_tokens: 14 } });
    const { chunks, response } = await orchestrator.sendStreaming(userRequest("s-text", "streamer"));
    expect(chunks.length).toBeGreaterThan(3);
    expect(chunks.every((chunk) => chunk.request_id === "s-text")).toBe(true);
    expect(chunks.at(-1)).toEqual({ request_id: "s-text", done: true });
    expect(chunks.slice(0, -1).some((chunk) => chunk.done)).toBe(false);
    expect(joined(chunks, "content_delta")).toBe(text);
    expect(response).toMatchObject({
      status: "complete",
      finish_reason: "stop",
      message: { content: text },
      token_usage: { prompt_tokens: 12, completion_tokens: 14 },
    });
    expect((mock.requestsFor("stream-model").at(-1)?.body as { stream_options: unknown }).stream_options).toEqual({ include_usage: true });
  });

  it("streams when the request asks, on an endpoint that does not by default", async () => {
    const { chunks, response } = await orchestrator.sendStreaming(userRequest("s-asked", "plain", "hello there", { stream: true }));
    expect(joined(chunks, "content_delta")).toBe(response.message.content);
    expect(chunks.at(-1)?.done).toBe(true);
    expect((mock.requestsFor("plain-model").at(-1)?.body as { stream: boolean }).stream).toBe(true);
  });

  it("moves <think> blocks split across deltas to reasoning, in chunks and in the response", async () => {
    const { chunks, response } = await orchestrator.sendStreaming(userRequest("s-think", "streamer", "[mock:think] ponder this"));
    expect(joined(chunks, "reasoning_delta")).toBe("mock reasoning");
    expect(joined(chunks, "content_delta")).not.toContain("<think>");
    expect(response.message.reasoning_content).toBe("mock reasoning");
    expect(response.message.content).toBe(joined(chunks, "content_delta"));
  });

  it("keeps Gemini's index-less parallel tool calls apart and echoes their thought signatures next turn", async () => {
    mock.enqueue("gemini-model", {
      kind: "tool_call",
      style: "gemini",
      calls: [
        { id: "call-a", name: "get_weather", arguments: '{"location":"London"}' },
        { id: "call-b", name: "get_weather", arguments: '{"location":"Paris"}' },
      ],
    });
    const tools = [{ name: "get_weather", description: "weather", parameters: { type: "object", properties: { location: { type: "string" } } } }];
    const { response } = await orchestrator.sendStreaming(userRequest("s-gem", "gem", "weather in two cities", { tools }));
    expect(response.status).toBe("tool_call");
    expect(response.message.tool_calls).toEqual([
      { id: "call-a", name: "get_weather", arguments: { location: "London" } },
      { id: "call-b", name: "get_weather", arguments: { location: "Paris" } },
    ]);
    expect(response.message.reasoning_records?.map((record) => record.tool_call_id)).toEqual(["call-a", "call-b"]);

    const nextTurn = {
      request_id: "s-gem-2",
      model: "gem",
      tools,
      messages: [
        { role: "user", content: "weather in two cities" },
        { ...response.message, role: "assistant" },
        { role: "tool", tool_call_id: "call-a", content: "rain" },
        { role: "tool", tool_call_id: "call-b", content: "sun" },
      ],
    };
    await orchestrator.send(nextTurn);
    const sent = mock.requestsFor("gemini-model").at(-1)?.body as { messages: Array<Record<string, unknown>> };
    const assistant = sent.messages.find((message) => message.role === "assistant") as { tool_calls: Array<Record<string, unknown>>; content: string };
    expect(assistant.tool_calls.map((call) => (call.extra_content as { google: { thought_signature: string } }).google.thought_signature)).toEqual([
      mockThoughtSignature("call-a"),
      mockThoughtSignature("call-b"),
    ]);
    expect(assistant.content).toBe(" ");
    expect(sent.messages.filter((message) => message.role === "tool").map((message) => message.name)).toEqual(["unknown_tool", "unknown_tool"]);
    expect(assistant).not.toHaveProperty("reasoning_records");
  });

  it("turns a stream cut without a finish reason into an error with the partial content, not retried", async () => {
    mock.enqueue("stream-model", { kind: "stream_cut", content: "This answer will never be finished properly", after_chunks: 2 });
    const before = mock.requestsFor("stream-model").length;
    const { chunks, response } = await orchestrator.sendStreaming(userRequest("s-cut", "streamer"));
    expect(response).toMatchObject({ status: "error", error_code: "E_PROVIDER_STREAM_INTERRUPTED" });
    expect(response.message.content).toBe(joined(chunks, "content_delta"));
    expect(response.message.content?.length).toBeGreaterThan(0);
    expect(chunks.some((chunk) => chunk.done)).toBe(false);
    expect(mock.requestsFor("stream-model").length).toBe(before + 1);
  });

  it("publishes every chunk of a stream before its answer, whether it completes or is cut", async () => {
    mock.enqueue("stream-model", { kind: "text", content: "one two three four five six seven" });
    mock.enqueue("stream-model", { kind: "stream_cut", content: "cut after a few pieces of this", after_chunks: 3 });
    for (const id of ["s-order-ok", "s-order-cut"]) {
      // One subscription for the chunks and the answer: NATS keeps their order from one publisher.
      const subscription = orchestrator.nats.subscribe(`${names.prefix}.*.${id}`);
      const order: string[] = [];
      const seen = (async () => {
        for await (const message of subscription) {
          order.push(message.subject.split(".")[1] as string);
          if (message.subject.includes(".response.")) break;
        }
      })();
      await orchestrator.nats.flush();
      await orchestrator.send(userRequest(id, "streamer"));
      await seen;
      expect(order.at(-1)).toBe("response");
      expect(order.filter((kind) => kind === "stream").length).toBeGreaterThan(2);
    }
  });

  it("retries a failure before the first byte; only the successful attempt's chunks go out", async () => {
    mock.enqueue("stream-model", { kind: "error", status: 503 }, { kind: "text", content: "second time lucky" });
    const { chunks, response } = await orchestrator.sendStreaming(userRequest("s-retry", "streamer"));
    expect(response).toMatchObject({ status: "complete", retry_count: 1, message: { content: "second time lucky" } });
    expect(joined(chunks, "content_delta")).toBe("second time lucky");
  });

  it("fails an attempt with no first token in time and retries it, separately from the total timeout", async () => {
    mock.enqueue("slow-model", { kind: "text", content: "too late", delay_ms: 1_000 }, { kind: "text", content: "on time" });
    const { response } = await orchestrator.sendStreaming(userRequest("s-ttft", "slow"));
    expect(response).toMatchObject({ status: "complete", retry_count: 1, message: { content: "on time" } });
    const metrics = await service.metrics.registry.getSingleMetricAsString("modelbus_stream_ttft_seconds");
    expect(metrics).toMatch(/modelbus_stream_ttft_seconds_count\{endpoint="streamer"\} [1-9]/);
    expect(await service.metrics.registry.getSingleMetricAsString("modelbus_stream_chunks_total")).toMatch(/endpoint="streamer"} [1-9]/);
  });
});
