import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Service } from "../../src/main.ts";
import type { MockProviderServer } from "../../src/providers/mock/mock-provider-server.ts";
import { HttpTestClient, httpTestConfig, sseData, startHttpTestService, testApiKey, type LooseJson } from "../support/http-test-service.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";
import { uniqueNames } from "../support/test-service.ts";

let database: TestDatabase;
let service: Service;
let openai: OpenAI;
let client: HttpTestClient;
let mock: MockProviderServer;

beforeAll(async () => {
  database = await createTestDatabase();
  service = await startHttpTestService(httpTestConfig(uniqueNames()), { databaseUrl: database.url });
  openai = new OpenAI({ apiKey: testApiKey, baseURL: `${service.httpUrl}/v1`, maxRetries: 0 });
  client = new HttpTestClient(service.httpUrl);
  mock = service.mockProvider as MockProviderServer;
});

afterAll(async () => {
  await service?.stop();
  await database?.drop();
});

const weatherTool = {
  type: "function" as const,
  function: {
    name: "get_weather",
    description: "weather for a city",
    parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
  },
};

/** Asserts OpenAI's exact SSE framing and returns the parsed chunks (without [DONE]). */
function openAIChunks(text: string): LooseJson[] {
  expect(text.endsWith("data: [DONE]\n\n")).toBe(true);
  expect(
    text
      .split("\n\n")
      .slice(0, -1)
      .every((event) => /^data: .+$/.test(event)),
  ).toBe(true);
  const data = sseData(text);
  expect(data.at(-1)).toBe("[DONE]");
  return data.slice(0, -1).map((payload) => JSON.parse(payload));
}

describe("OpenAI-compatible door, through the official openai SDK", () => {
  it("answers a plain chat completion", async () => {
    const completion = await openai.chat.completions.create({ model: "main", messages: [{ role: "user", content: "hello there" }] });
    expect(completion.id).toMatch(/^chatcmpl-http-[0-9a-f-]{36}$/);
    expect(completion.object).toBe("chat.completion");
    expect(completion.model).toBe("main");
    expect(completion.choices).toHaveLength(1);
    expect(completion.choices[0]?.message).toMatchObject({ role: "assistant", content: "mock answer: hello there" });
    expect(completion.choices[0]?.finish_reason).toBe("stop");
    const usage = completion.usage as OpenAI.CompletionUsage;
    expect(usage.total_tokens).toBe(usage.prompt_tokens + usage.completion_tokens);
    expect(usage.prompt_tokens).toBeGreaterThan(0);
  });

  it("round-trips tools: tool_calls with JSON-string arguments, then the tool result", async () => {
    const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: "user", content: "What is the weather in London?" }];
    const first = await openai.chat.completions.create({ model: "general", messages, tools: [weatherTool], tool_choice: "auto" });
    const choice = first.choices[0] as OpenAI.ChatCompletion.Choice;
    expect(choice.finish_reason).toBe("tool_calls");
    const call = choice.message.tool_calls?.[0] as OpenAI.ChatCompletionMessageFunctionToolCall;
    expect(call.type).toBe("function");
    expect(call.function.name).toBe("get_weather");
    expect(typeof call.function.arguments).toBe("string");
    expect(JSON.parse(call.function.arguments)).toEqual(expect.any(Object));

    messages.push(choice.message, { role: "tool", tool_call_id: call.id, content: '{"temp_c":12}' });
    const second = await openai.chat.completions.create({ model: "general", messages, tools: [weatherTool] });
    expect(second.choices[0]?.finish_reason).toBe("stop");
    const sent = mock.requests.at(-1)?.body as {
      messages: Array<{ role: string; tool_call_id?: string; tool_calls?: Array<{ function: { arguments: string } }> }>;
    };
    expect(sent.messages.map((message) => message.role)).toEqual(["user", "assistant", "tool"]);
    expect(sent.messages[2]?.tool_call_id).toBe(call.id);
    expect(JSON.parse(sent.messages[1]?.tool_calls?.[0]?.function.arguments ?? "")).toEqual(JSON.parse(call.function.arguments));
  });

  it("streams in OpenAI's chunk format, through the SDK and on the wire", async () => {
    const stream = await openai.chat.completions.create({
      model: "main",
      messages: [{ role: "user", content: "stream me" }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = "";
    const finishReasons: string[] = [];
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      expect(chunk.object).toBe("chat.completion.chunk");
      text += chunk.choices[0]?.delta.content ?? "";
      if (chunk.choices[0]?.finish_reason) finishReasons.push(chunk.choices[0].finish_reason);
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe("mock answer: stream me");
    expect(finishReasons).toEqual(["stop"]);
    expect(usage?.total_tokens).toBeGreaterThan(0);

    const raw = await client.post(
      "/v1/chat/completions",
      { model: "main", messages: [{ role: "user", content: "raw stream" }] },
      { headers: { accept: "text/event-stream" } },
    );
    expect(raw.status).toBe(200);
    expect(raw.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const chunks = openAIChunks(raw.text);
    const id = chunks[0].id;
    expect(id).toMatch(/^chatcmpl-http-/);
    for (const chunk of chunks) {
      expect(chunk).toMatchObject({ id, object: "chat.completion.chunk", model: "main", created: expect.any(Number) });
      expect(chunk.choices).toHaveLength(1);
      expect(chunk).not.toHaveProperty("usage"); // include_usage not asked
    }
    expect(chunks[0].choices[0]).toEqual({ index: 0, delta: { role: "assistant", content: "", refusal: null }, logprobs: null, finish_reason: null });
    const contents = chunks.slice(1, -1).map((chunk) => chunk.choices[0].delta.content);
    expect(contents.length).toBeGreaterThanOrEqual(1); // one delta per token when the provider streams, else the whole text once
    expect(contents.join("")).toBe("mock answer: raw stream");
    expect(chunks.at(-1).choices[0]).toEqual({ index: 0, delta: {}, logprobs: null, finish_reason: "stop" });
  });

  it("streams tool calls as one tool_calls delta and finish_reason tool_calls", async () => {
    const raw = await client.post("/v1/chat/completions", {
      model: "main",
      stream: true,
      messages: [{ role: "user", content: "weather in Paris?" }],
      tools: [weatherTool],
    });
    const chunks = openAIChunks(raw.text);
    const toolChunk = chunks.find((chunk) => chunk.choices[0].delta.tool_calls);
    expect(toolChunk.choices[0].delta.tool_calls[0]).toMatchObject({
      index: 0,
      id: expect.any(String),
      type: "function",
      function: { name: "get_weather", arguments: expect.any(String) },
    });
    expect(chunks.at(-1).choices[0].finish_reason).toBe("tool_calls");
  });

  it("maps failures to HTTP errors the SDK raises, in the shared shape", async () => {
    const unknown = await openai.chat.completions
      .create({ model: "no-such-model", messages: [{ role: "user", content: "hi" }] })
      .catch((error: unknown) => error);
    expect(unknown).toBeInstanceOf(OpenAI.NotFoundError);
    expect((unknown as InstanceType<typeof OpenAI.APIError>).error).toMatchObject({
      code: "E_MODEL_UNKNOWN",
      message: expect.stringContaining("no-such-model"),
    });

    const rejected = await client.post("/v1/chat/completions", { model: "main", messages: [{ role: "user", content: "[mock:error=400] please" }] });
    expect(rejected.status).toBe(502);
    expect(rejected.body.error.code).toBe("E_PROVIDER_REJECTED");
    expect(rejected.body.error.details).toMatchObject({ endpoint: "main", request_id: expect.stringMatching(/^http-/) });

    const streamed = await client.post("/v1/chat/completions", { model: "no-such-model", stream: true, messages: [{ role: "user", content: "hi" }] });
    expect(streamed.status).toBe(404); // nothing was streamed yet: a real status, not an event
    expect(streamed.body.error.code).toBe("E_MODEL_UNKNOWN");

    const invalid = await client.post("/v1/chat/completions", { model: "main", messages: [{ role: "tool", content: "orphan" }] });
    expect(invalid.status).toBe(400);
    expect(invalid.body.error.message).toBe("messages.0.tool_call_id: tool messages need tool_call_id");

    const badKey = new OpenAI({ apiKey: "wrong", baseURL: `${service.httpUrl}/v1`, maxRetries: 0 });
    await expect(badKey.chat.completions.create({ model: "main", messages: [{ role: "user", content: "hi" }] })).rejects.toBeInstanceOf(
      OpenAI.AuthenticationError,
    );
  });

  it("cancels the provider call when the client disconnects", async () => {
    const controller = new AbortController();
    const call = fetch(`${service.httpUrl}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${testApiKey}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "main", messages: [{ role: "user", content: "[mock:hang] wait forever" }] }),
      signal: controller.signal,
    }).catch((error: unknown) => error);
    await expect.poll(() => mock.inFlight, { timeout: 5_000 }).toBe(1);
    controller.abort();
    await call;
    await expect.poll(() => mock.inFlight, { timeout: 5_000 }).toBe(0);
  });

  it("answers a repeated Idempotency-Key from the store without a second model call", async () => {
    const before = mock.requests.length;
    const body = { model: "main", messages: [{ role: "user", content: "once only" }] };
    const first = await client.post("/v1/chat/completions", body, { headers: { "idempotency-key": "chat-key-1" } });
    const second = await client.post("/v1/chat/completions", body, { headers: { "idempotency-key": "chat-key-1" } });
    expect(first.status).toBe(200);
    expect(first.body.id).toBe("chatcmpl-chat-key-1");
    expect(second.body.choices).toEqual(first.body.choices);
    expect(second.headers.get("idempotent-replayed")).toBe("true");
    expect(mock.requests.length).toBe(before + 1);
  });

  it("lists endpoints, aliases and capabilities with their health", async () => {
    const models = await openai.models.list();
    const byId = new Map(models.data.map((model) => [model.id, model as unknown as Record<string, unknown>]));
    expect([...byId.keys()].sort()).toEqual(["fast", "general", "main", "spare"]);
    expect(byId.get("main")).toMatchObject({ object: "model", kind: "endpoint", provider: "mock", provider_model: "main-model", health: "healthy" });
    expect(byId.get("fast")).toMatchObject({ kind: "alias", target: "spare", health: "healthy" });
    expect(byId.get("general")).toMatchObject({ kind: "capability", endpoints: ["main", "spare"], health: "healthy" });

    const endpoints = await client.get("/v1/endpoints");
    expect(endpoints.status).toBe(200);
    expect(endpoints.body.data).toContainEqual({
      name: "main",
      provider: "mock",
      model: "main-model",
      queue_depth: 0,
      in_flight: 0,
      health: "healthy",
      breaker: "closed",
      available: true,
      limits: { requests_per_minute: 0, burst: 0, tokens_per_minute: 0, max_concurrent: 0, max_queue: 1000 },
      remaining: { requests: null, tokens: null },
      recent: expect.objectContaining({ window_seconds: 300 }),
    });
  });
});
