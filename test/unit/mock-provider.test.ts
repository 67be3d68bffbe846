/**
 * The mock provider against the real `openai` SDK: if the SDK is happy, so is any
 * OpenAI-compatible client modelbus uses.
 */
import OpenAI from "openai";
import type { ChatCompletionChunk, ChatCompletionTool } from "openai/resources/chat/completions";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { pacedMockContent } from "../../src/providers/mock/choose-mock-behaviour.ts";
import { MockProviderServer } from "../../src/providers/mock/mock-provider-server.ts";

let server: MockProviderServer;
let client: OpenAI;
let origin: string;

const weatherTool: ChatCompletionTool = {
  type: "function",
  function: {
    name: "get_weather",
    parameters: { type: "object", properties: { location: { type: "string" } }, required: ["location"] },
  },
};

function ask(content: string, model = "gpt-test") {
  return client.chat.completions.create({ model, messages: [{ role: "user", content }] });
}

async function collect(stream: AsyncIterable<ChatCompletionChunk>): Promise<ChatCompletionChunk[]> {
  const chunks: ChatCompletionChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

function contentOf(chunks: readonly ChatCompletionChunk[]): string {
  return chunks.map((chunk) => chunk.choices[0]?.delta.content ?? "").join("");
}

async function caught(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected the promise to reject");
}

async function waitFor(condition: () => boolean, timeoutMs = 2_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

beforeAll(async () => {
  server = await MockProviderServer.start({ port: 0 });
  client = new OpenAI({ baseURL: server.url, apiKey: "test", maxRetries: 0 });
  origin = server.url.replace(/\/v1$/, "");
});

afterAll(async () => {
  await server.close();
});

beforeEach(() => {
  server.reset();
});

describe("MockProviderServer with the openai SDK", () => {
  it("has a base URL ending in /v1", () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
  });

  it("answers plain text deterministically with usage", async () => {
    const completion = await ask("hello there");
    expect(completion.id).toMatch(/^chatcmpl-mock-\d+$/);
    expect(completion.object).toBe("chat.completion");
    expect(completion.model).toBe("gpt-test");
    expect(completion.choices[0]?.message.role).toBe("assistant");
    expect(completion.choices[0]?.message.content).toBe("mock answer: hello there");
    expect(completion.choices[0]?.finish_reason).toBe("stop");
    // prompt: ceil(11 chars / 4) = 3; completion: ceil(24 chars / 4) = 6
    expect(completion.usage).toEqual({ prompt_tokens: 3, completion_tokens: 6, total_tokens: 9 });
  });

  it("records requests with parsed body, lower-cased headers and timings", async () => {
    await ask("record me", "rec-model");
    const [recorded] = server.requestsFor("rec-model");
    expect(server.requests).toHaveLength(1);
    expect(recorded?.model).toBe("rec-model");
    expect(recorded?.body).toMatchObject({ model: "rec-model", messages: [{ role: "user", content: "record me" }] });
    expect(recorded?.headers.authorization).toBe("Bearer test");
    expect(recorded?.respondedAt).toBeGreaterThanOrEqual(recorded?.receivedAt ?? Number.POSITIVE_INFINITY);
    expect(server.requestsFor("other")).toHaveLength(0);
  });

  it("calls the first tool with plausible arguments", async () => {
    const completion = await client.chat.completions.create({
      model: "gpt-test",
      messages: [{ role: "user", content: "what is the weather?" }],
      tools: [weatherTool],
    });
    const choice = completion.choices[0];
    const call = choice?.message.tool_calls?.[0];
    expect(choice?.finish_reason).toBe("tool_calls");
    expect(choice?.message.content).toBeNull();
    expect(call?.type).toBe("function");
    expect(call?.id).toMatch(/^call_mock_/);
    if (call?.type !== "function") throw new Error("expected a function tool call");
    expect(call.function.name).toBe("get_weather");
    expect(JSON.parse(call.function.arguments)).toEqual({ location: "London" });
  });

  it("sends queued tool-call arguments verbatim, even malformed", async () => {
    server.enqueue("*", { kind: "tool_call", calls: [{ name: "broken", arguments: "{not json", id: "call_x" }] });
    const completion = await ask("anything");
    const call = completion.choices[0]?.message.tool_calls?.[0];
    if (call?.type !== "function") throw new Error("expected a function tool call");
    expect(call.id).toBe("call_x");
    expect(call.function).toEqual({ name: "broken", arguments: "{not json" });
  });

  it("surfaces a queued 429 with Retry-After as RateLimitError", async () => {
    server.enqueue("*", { kind: "error", status: 429, retry_after: "7", message: "slow down" });
    const error = await caught(ask("hi"));
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    const rateLimit = error as InstanceType<typeof OpenAI.RateLimitError>;
    expect(rateLimit.status).toBe(429);
    expect(rateLimit.headers.get("retry-after")).toBe("7");
    expect(rateLimit.message).toContain("slow down");
    expect(rateLimit.code).toBe("rate_limit_exceeded");
  });

  it("sets retry-after-ms when asked", async () => {
    server.enqueue("*", { kind: "error", status: 429, retry_after_ms: 250 });
    const error = (await caught(ask("hi"))) as InstanceType<typeof OpenAI.RateLimitError>;
    expect(error.headers.get("retry-after-ms")).toBe("250");
    expect(error.headers.get("retry-after")).toBeNull();
  });

  it("surfaces a queued 500 as InternalServerError", async () => {
    server.enqueue("*", { kind: "error", status: 500 });
    const error = await caught(ask("hi"));
    expect(error).toBeInstanceOf(OpenAI.InternalServerError);
    expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(500);
  });

  it("prefers a model's own queue over '*', FIFO", async () => {
    server.enqueue("*", { kind: "text", content: "from star" });
    server.enqueue("model-a", { kind: "text", content: "a1" }, { kind: "text", content: "a2" });
    expect((await ask("x", "model-a")).choices[0]?.message.content).toBe("a1");
    expect((await ask("x", "model-b")).choices[0]?.message.content).toBe("from star");
    expect((await ask("x", "model-a")).choices[0]?.message.content).toBe("a2");
    expect((await ask("x", "model-a")).choices[0]?.message.content).toBe("mock answer: x");
  });

  it("hangs until the client's timeout aborts, then stops counting the request", async () => {
    server.enqueue("*", { kind: "hang" });
    const started = Date.now();
    const error = await caught(client.chat.completions.create({ model: "gpt-test", messages: [{ role: "user", content: "hi" }] }, { timeout: 200 }));
    expect(error).toBeInstanceOf(OpenAI.APIConnectionTimeoutError);
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    await waitFor(() => server.inFlight === 0);
    expect(server.requests[0]?.respondedAt).toBeUndefined();
  });

  it("turns `close` into an APIConnectionError", async () => {
    server.enqueue("*", { kind: "close" });
    const error = await caught(ask("hi"));
    expect(error).toBeInstanceOf(OpenAI.APIConnectionError);
    expect(error).not.toBeInstanceOf(OpenAI.APIConnectionTimeoutError);
    await waitFor(() => server.inFlight === 0);
  });

  it("delays the response by delay_ms", async () => {
    server.enqueue("*", { kind: "text", content: "late", delay_ms: 150 });
    const started = Date.now();
    const completion = await ask("hi");
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(completion.choices[0]?.message.content).toBe("late");
  });

  it("streams text in several chunks, then finish_reason, then usage", async () => {
    const stream = await client.chat.completions.create({
      model: "gpt-test",
      messages: [{ role: "user", content: "stream this sentence please" }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = await collect(stream);
    const expected = "mock answer: stream this sentence please";
    expect(contentOf(chunks)).toBe(expected);
    expect(chunks[0]?.choices[0]?.delta.role).toBe("assistant");
    expect(chunks.filter((chunk) => chunk.choices[0]?.delta.content).length).toBeGreaterThan(2);
    expect(chunks.every((chunk) => chunk.object === "chat.completion.chunk" && chunk.id === chunks[0]?.id)).toBe(true);
    const finishing = chunks.filter((chunk) => chunk.choices[0]?.finish_reason);
    expect(finishing.map((chunk) => chunk.choices[0]?.finish_reason)).toEqual(["stop"]);
    const last = chunks[chunks.length - 1];
    expect(last?.choices).toEqual([]);
    expect(last?.usage).toEqual({ prompt_tokens: 7, completion_tokens: 10, total_tokens: 17 });
  });

  it("paces [mock:chunks=6,chunk_ms=25]: the first piece at once, then one piece every 25 ms, then finish and usage", async () => {
    const startedAt = performance.now();
    const stream = await client.chat.completions.create({
      model: "gpt-test",
      messages: [{ role: "user", content: "[mock:chunks=6,chunk_ms=25]" }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const arrivals: number[] = [];
    const chunks: ChatCompletionChunk[] = [];
    for await (const chunk of stream) {
      chunks.push(chunk);
      if (chunk.choices[0]?.delta.content) arrivals.push(performance.now() - startedAt);
    }
    expect(contentOf(chunks)).toBe(pacedMockContent(6));
    expect(pacedMockContent(2)).toBe("t000001 t000002 ");
    expect(arrivals).toHaveLength(6);
    // Five intervals of 25 ms lie between the first piece and the last; timers never fire early.
    expect((arrivals[5] as number) - (arrivals[0] as number)).toBeGreaterThanOrEqual(5 * 25 - 2);
    expect(arrivals.slice(1).every((at, index) => at - (arrivals[index] as number) >= 10)).toBe(true);
    expect(chunks[chunks.length - 1]?.usage?.completion_tokens).toBeGreaterThan(0);
    expect(chunks.filter((chunk) => chunk.choices[0]?.finish_reason).map((chunk) => chunk.choices[0]?.finish_reason)).toEqual(["stop"]);
  });

  it("omits the usage chunk when include_usage is not set", async () => {
    const chunks = await collect(await client.chat.completions.create({ model: "gpt-test", messages: [{ role: "user", content: "hi" }], stream: true }));
    expect(chunks.some((chunk) => chunk.usage)).toBe(false);
    expect(chunks[chunks.length - 1]?.choices[0]?.finish_reason).toBe("stop");
  });

  it("streams tool calls whose argument fragments reassemble", async () => {
    const chunks = await collect(
      await client.chat.completions.create({
        model: "gpt-test",
        messages: [{ role: "user", content: "use the tool [mock:tool]" }],
        tools: [weatherTool],
        stream: true,
      }),
    );
    const deltas = chunks.flatMap((chunk) => chunk.choices[0]?.delta.tool_calls ?? []);
    expect(deltas.length).toBeGreaterThan(2);
    expect(deltas[0]).toMatchObject({ index: 0, type: "function", function: { name: "get_weather", arguments: "" } });
    expect(deltas[0]?.id).toMatch(/^call_mock_/);
    expect(deltas.slice(1).every((delta) => delta.id === undefined && delta.index === 0)).toBe(true);
    const args = deltas.map((delta) => delta.function?.arguments ?? "").join("");
    expect(JSON.parse(args)).toEqual({ location: "London" });
    expect(chunks[chunks.length - 1]?.choices[0]?.finish_reason).toBe("tool_calls");
  });

  it("streams reasoning_content before content", async () => {
    server.enqueue("*", { kind: "text", content: "answer", reasoning_content: "thinking hard" });
    const chunks = await collect(await client.chat.completions.create({ model: "gpt-test", messages: [{ role: "user", content: "hi" }], stream: true }));
    const reasoning = chunks.map((chunk) => (chunk.choices[0]?.delta as { reasoning_content?: string } | undefined)?.reasoning_content ?? "");
    expect(reasoning.join("")).toBe("thinking hard");
    expect(contentOf(chunks)).toBe("answer");
  });

  it("stream_cut ends the stream without finish_reason and without [DONE]", async () => {
    server.enqueue("*", { kind: "stream_cut", content: "abcdefghijklmnopqrstuvwxyz", after_chunks: 2 });
    const chunks = await collect(
      await client.chat.completions.create({
        model: "gpt-test",
        messages: [{ role: "user", content: "hi" }],
        stream: true,
        stream_options: { include_usage: true },
      }),
    );
    expect(contentOf(chunks)).toBe("abcdefghijklmnop");
    expect(chunks.some((chunk) => chunk.choices[0]?.finish_reason)).toBe(false);
    expect(chunks.some((chunk) => chunk.usage)).toBe(false);
  });

  it("tears a non-streaming stream_cut body mid-way; the SDK throws a raw TypeError, not an APIError", async () => {
    server.enqueue("*", { kind: "stream_cut" });
    const error = await caught(ask("hi"));
    expect(error).toBeInstanceOf(TypeError);
    expect(error).not.toBeInstanceOf(OpenAI.APIError);
    await waitFor(() => server.inFlight === 0);
  });

  it("stops counting a delayed request as soon as the client gives up", async () => {
    server.enqueue("*", { kind: "text", delay_ms: 5_000 });
    const started = Date.now();
    const error = await caught(client.chat.completions.create({ model: "gpt-test", messages: [{ role: "user", content: "hi" }] }, { timeout: 100 }));
    expect(error).toBeInstanceOf(OpenAI.APIConnectionTimeoutError);
    await waitFor(() => server.inFlight === 0);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it("sends x-request-id, which the SDK exposes as requestID", async () => {
    server.enqueue("*", { kind: "error", status: 503 });
    const error = (await caught(ask("hi"))) as InstanceType<typeof OpenAI.APIError>;
    expect(error.requestID).toMatch(/^req_mock_\d+$/);
  });

  it("follows the [mock:error=500] directive", async () => {
    const error = await caught(ask("please fail [mock:error=500]"));
    expect(error).toBeInstanceOf(OpenAI.InternalServerError);
  });

  it("follows the [mock:error=429,retry_after=1] directive", async () => {
    const error = await caught(ask("[mock:error=429,retry_after=1] throttle me"));
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    expect((error as InstanceType<typeof OpenAI.RateLimitError>).headers.get("retry-after")).toBe("1");
  });

  it("observes maxInFlight 3 for 3 concurrent delayed requests, 1 when sequential", async () => {
    for (let i = 0; i < 3; i += 1) server.enqueue("conc", { kind: "text", content: `c${i}`, delay_ms: 150 });
    await Promise.all([ask("a", "conc"), ask("b", "conc"), ask("c", "conc")]);
    expect(server.maxInFlight("conc")).toBe(3);
    expect(server.maxInFlight()).toBe(3);
    expect(server.inFlight).toBe(0);
    server.resetStats();
    expect(server.maxInFlight("conc")).toBe(0);
    await ask("a", "seq");
    await ask("b", "seq");
    expect(server.maxInFlight("seq")).toBe(1);
    expect(server.maxInFlight("conc")).toBe(0);
  });

  it("lists 'mock' plus every model seen", async () => {
    await ask("x", "seen-model");
    const models = await client.models.list();
    expect(models.data.map((model) => model.id)).toEqual(["mock", "seen-model"]);
  });
});

describe("MockProviderServer HTTP surface", () => {
  async function postJson(path: string, body: unknown): Promise<Response> {
    return fetch(origin + path, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });
  }

  function expectErrorShape(body: unknown): void {
    expect(Object.keys(body as object)).toEqual(["error"]);
    const error = (body as { error: Record<string, unknown> }).error;
    expect(Object.keys(error).sort()).toEqual(["code", "message", "type"]);
    expect(typeof error.message).toBe("string");
    expect(typeof error.type).toBe("string");
    expect(error.code === null || typeof error.code === "string").toBe(true);
  }

  it("scripts behaviours over HTTP and reports requests and stats", async () => {
    const queued = await postJson("/__mock/enqueue", { model: "*", behaviours: [{ kind: "text", content: "scripted" }] });
    expect(queued.status).toBe(200);
    expect(await queued.json()).toEqual({ queued: 1, pending: { "*": 1 } });
    expect((await ask("x", "http-model")).choices[0]?.message.content).toBe("scripted");

    const requests = (await (await fetch(`${origin}/__mock/requests`)).json()) as { requests: { model: string }[] };
    expect(requests.requests.map((request) => request.model)).toEqual(["http-model"]);
    const stats = (await (await fetch(`${origin}/__mock/stats`)).json()) as Record<string, unknown>;
    expect(stats).toMatchObject({ in_flight: 0, max_in_flight: 1, requests: 1, by_model: { "http-model": { requests: 1 } } });

    expect((await postJson("/__mock/reset", {})).status).toBe(200);
    expect(server.requests).toHaveLength(0);
  });

  it("frames SSE as data lines, ending with [DONE] unless cut", async () => {
    const body = { model: "m", stream: true, messages: [{ role: "user", content: "hi" }] };
    const full = await postJson("/v1/chat/completions", body);
    expect(full.headers.get("content-type")).toBe("text/event-stream");
    const text = await full.text();
    expect(text.endsWith("data: [DONE]\n\n")).toBe(true);
    expect(
      text
        .split("\n\n")
        .filter(Boolean)
        .every((frame) => frame.startsWith("data: ")),
    ).toBe(true);

    server.enqueue("*", { kind: "stream_cut" });
    const cut = await (await postJson("/v1/chat/completions", body)).text();
    expect(cut).not.toContain("[DONE]");
    expect(cut).not.toContain('finish_reason":"');
    expect(cut).toContain('"content":"mock ans"');
  });

  it("paces a Responses stream by its delta events", async () => {
    const startedAt = performance.now();
    const answer = await postJson("/v1/responses", { model: "m", stream: true, input: "[mock:chunks=4,chunk_ms=25]" });
    const arrivals: number[] = [];
    let text = "";
    const decoder = new TextDecoder();
    for await (const part of answer.body as AsyncIterable<Uint8Array>) {
      const piece = decoder.decode(part, { stream: true });
      if (piece.includes("response.output_text.delta")) arrivals.push(performance.now() - startedAt);
      text += piece;
    }
    expect(text).toContain("event: response.completed");
    expect(text.match(/event: response\.output_text\.delta\n/g)).toHaveLength(4);
    expect(arrivals.length).toBeGreaterThanOrEqual(4);
    expect((arrivals[arrivals.length - 1] as number) - (arrivals[0] as number)).toBeGreaterThanOrEqual(3 * 25 - 2);
  });

  it("rejects invalid behaviours on /__mock/enqueue with 400", async () => {
    const response = await postJson("/__mock/enqueue", { model: "*", behaviours: [{ kind: "explode" }] });
    expect(response.status).toBe(400);
    expectErrorShape(await response.json());
    expect(server.stats().pending).toEqual({});
  });

  it("answers unknown routes with 404 in the OpenAI error shape", async () => {
    const response = await fetch(`${server.url}/embeddings`, { method: "POST", body: "{}" });
    expect(response.status).toBe(404);
    expect(response.headers.get("content-type")).toBe("application/json");
    expectErrorShape(await response.json());
  });

  it("answers invalid JSON, a missing model and empty messages with 400", async () => {
    const bodies = ["{not json", { messages: [{ role: "user", content: "x" }] }, { model: "m", messages: [] }, { model: "m" }];
    for (const body of bodies) {
      const response = await postJson("/v1/chat/completions", body);
      expect(response.status).toBe(400);
      expectErrorShape(await response.json());
    }
    expect(server.requests).toHaveLength(0);
  });

  it("surfaces 400 through the SDK as BadRequestError", async () => {
    const error = await caught(client.chat.completions.create({ model: "m", messages: [] }));
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
  });
});

describe("MockProviderServer.close", () => {
  it("does not hang on requests that never get an answer", async () => {
    const local = await MockProviderServer.start();
    local.enqueue("*", { kind: "hang" });
    const pending = fetch(`${local.url}/chat/completions`, {
      method: "POST",
      body: JSON.stringify({ model: "m", messages: [{ role: "user", content: "x" }] }),
    }).then(
      () => "answered",
      () => "failed",
    );
    await waitFor(() => local.inFlight === 1);
    await local.close();
    expect(await pending).toBe("failed");
    expect(local.inFlight).toBe(0);
  });
});
