/**
 * The HTTP door against OpenAI's own schemas (openai/openai-openapi, kept with its commit in
 * test/fixtures/openai-openapi/): chat completions, their SSE chunks with and without
 * include_usage and with tool calls, /v1/models, and every kind of error body, validated with
 * Ajv. HttpTestClient validates every answer of every HTTP test the same way; this file makes
 * sure each shape and each error is met at least once, and that temperature 0 means 0 here.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { errorCodeList } from "../../src/core/error-codes.ts";
import type { Service } from "../../src/main.ts";
import type { MockProviderServer } from "../../src/providers/mock/mock-provider-server.ts";
import { errorBody, httpStatusForCode } from "../../src/transports/http/http-errors.ts";
import { HttpTestClient, httpTestConfig, sseData, startHttpTestService, type LooseJson } from "../support/http-test-service.ts";
import { openAISchemaErrors, openAISchemas } from "../support/openai-schemas.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";
import { TestOrchestrator, uniqueNames, userRequest } from "../support/test-service.ts";

let database: TestDatabase;
let service: Service;
let client: HttpTestClient;
let mock: MockProviderServer;
let orchestrator: TestOrchestrator;

beforeAll(async () => {
  database = await createTestDatabase();
  const names = uniqueNames();
  service = await startHttpTestService(httpTestConfig(names, { http: { body_limit_bytes: 4_096 }, retry: { max_attempts: 1, max_rate_limit_retries: 0 } }), {
    databaseUrl: database.url,
  });
  client = new HttpTestClient(service.httpUrl);
  mock = service.mockProvider as MockProviderServer;
  orchestrator = await TestOrchestrator.connect(names);
});

afterAll(async () => {
  await orchestrator?.close();
  await service?.stop();
  await database?.drop();
});

const weatherTool = {
  type: "function",
  function: {
    name: "get_weather",
    description: "weather for a city",
    parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
  },
};
const chat = (extra: Record<string, unknown> = {}) => ({ model: "main", messages: [{ role: "user", content: "hello schemas" }], ...extra });
const weatherQuestion = [{ role: "user", content: "What is the weather in London?" }];
const lastProviderBody = () => mock.requests.at(-1)?.body as Record<string, unknown>;

/** The parsed SSE events of a streamed answer (without [DONE]), each validated by the client already. */
function events(text: string): LooseJson[] {
  const data = sseData(text);
  expect(data.at(-1)).toBe("[DONE]");
  return data.slice(0, -1).map((payload) => JSON.parse(payload));
}

describe("chat.completion and chat.completion.chunk, by OpenAI's schemas", () => {
  it("keeps the schemas it validates against, with the commit of openai/openai-openapi they came from", () => {
    expect(openAISchemas.source).toMatchObject({ repository: "https://github.com/openai/openai-openapi", commit: expect.stringMatching(/^[0-9a-f]{40}$/) });
    // The validator is not vacuous: it refuses what OpenAI's schemas refuse.
    expect(openAISchemaErrors("CreateChatCompletionResponse", { object: "chat.completion" })).not.toEqual([]);
    expect(openAISchemaErrors("ErrorResponse", { error: { code: "E_INTERNAL", message: "m", details: {} } })).not.toEqual([]);
    expect(
      openAISchemaErrors("CreateChatCompletionStreamResponse", {
        id: "c",
        object: "chat.completion.chunk",
        created: 1,
        model: "m",
        system_fingerprint: null,
        choices: [],
      }),
    ).not.toEqual([]);
  });

  it("answers text, tool calls, reasoning and a length cut-off as valid chat.completion objects", async () => {
    const plain = await client.post("/v1/chat/completions", chat());
    expect(plain.status).toBe(200);
    expect(plain.body).not.toHaveProperty("system_fingerprint");

    const tools = await client.post("/v1/chat/completions", chat({ model: "general", messages: weatherQuestion, tools: [weatherTool], tool_choice: "auto" }));
    expect(tools.body.choices[0].finish_reason).toBe("tool_calls");

    mock.enqueue("main-model", { kind: "text", content: "42", reasoning_content: "six times seven" });
    const reasoning = await client.post("/v1/chat/completions", chat());
    expect(reasoning.body.choices[0].message).toMatchObject({ content: "42", reasoning_content: "six times seven" });

    mock.enqueue("main-model", { kind: "text", content: "cut", finish_reason: "length" });
    expect((await client.post("/v1/chat/completions", chat())).body.choices[0].finish_reason).toBe("length");

    // Answered from the store: the same shape.
    const keyed = { headers: { "x-request-id": "conformance-repeat" } };
    expect((await client.post("/v1/chat/completions", chat(), keyed)).status).toBe(200);
    expect((await client.post("/v1/chat/completions", chat(), keyed)).headers.get("idempotent-replayed")).toBe("true");
  });

  it("streams valid chunks without usage, with include_usage, and with tool calls", async () => {
    const bare = events((await client.post("/v1/chat/completions", chat({ stream: true }))).text);
    expect(bare.length).toBeGreaterThan(2);
    expect(bare.every((chunk) => !("usage" in chunk) && !("system_fingerprint" in chunk))).toBe(true);

    const withUsage = events((await client.post("/v1/chat/completions", chat({ stream: true, stream_options: { include_usage: true } }))).text);
    expect(withUsage.at(-1)).toMatchObject({ choices: [], usage: { total_tokens: expect.any(Number) } });
    expect(withUsage.slice(0, -1).every((chunk) => chunk.usage === null)).toBe(true);

    const tools = events(
      (await client.post("/v1/chat/completions", chat({ model: "general", messages: weatherQuestion, stream: true, tools: [weatherTool] }))).text,
    );
    expect(tools.some((chunk) => chunk.choices[0]?.delta?.tool_calls?.[0]?.function?.name === "get_weather")).toBe(true);
    expect(tools.at(-1).choices[0].finish_reason).toBe("tool_calls");
  });

  it("lists models as a valid ListModelsResponse", async () => {
    const models = await client.get("/v1/models");
    expect(models.status).toBe(200);
    expect(models.body.data.length).toBeGreaterThan(0);
  });
});

describe("error bodies, by OpenAI's Error schema", () => {
  it("give every catalog code OpenAI's type for its status, and param null unless a field is at fault", () => {
    const types = new Set(["invalid_request_error", "authentication_error", "permission_error", "rate_limit_error", "server_error"]);
    for (const code of errorCodeList) {
      const body = errorBody(code, `a ${code}`);
      expect(openAISchemaErrors("ErrorResponse", body), code).toEqual([]);
      expect(types.has(body.error.type), code).toBe(true);
      expect(body.error.param).toBeNull();
      const status = httpStatusForCode(code);
      if (status === 401) expect(body.error.type).toBe("authentication_error");
      else if (status === 429) expect(body.error.type).toBe("rate_limit_error");
      else expect(body.error.type).toBe(status < 500 ? "invalid_request_error" : "server_error");
    }
  });

  it("answer each failure a client meets with a valid error, naming the field at fault as param", async () => {
    const cases: Array<{ status: number; code: string; type: string; param?: string; answer: () => Promise<{ status: number; body: LooseJson }> }> = [
      { status: 401, code: "E_UNAUTHORIZED", type: "authentication_error", answer: () => client.post("/v1/chat/completions", chat(), { auth: false }) },
      { status: 401, code: "E_UNAUTHORIZED", type: "authentication_error", answer: () => client.post("/v1/chat/completions", chat(), { auth: "wrong-key" }) },
      { status: 404, code: "E_NOT_FOUND", type: "invalid_request_error", answer: () => client.get("/v1/no-such-route") },
      {
        status: 404,
        code: "E_MODEL_UNKNOWN",
        type: "invalid_request_error",
        answer: () => client.post("/v1/chat/completions", chat({ model: "no-such-model" })),
      },
      {
        status: 400,
        code: "E_REQUEST_INVALID",
        type: "invalid_request_error",
        param: "messages",
        answer: () => client.post("/v1/chat/completions", { model: "main", messages: [] }),
      },
      {
        status: 400,
        code: "E_REQUEST_INVALID",
        type: "invalid_request_error",
        param: "temperature",
        answer: () => client.post("/v1/chat/completions", chat({ temperature: 3 })),
      },
      { status: 400, code: "E_REQUEST_INVALID", type: "invalid_request_error", answer: () => client.post("/v1/chat/completions", "{not json") },
      {
        status: 413,
        code: "E_BODY_TOO_LARGE",
        type: "invalid_request_error",
        answer: () => client.post("/v1/chat/completions", chat({ messages: [{ role: "user", content: "x".repeat(8_000) }] })),
      },
      {
        status: 415,
        code: "E_MEDIA_TYPE_UNSUPPORTED",
        type: "invalid_request_error",
        answer: () => client.post("/v1/chat/completions", "hello", { headers: { "content-type": "text/plain" } }),
      },
      { status: 404, code: "E_NOT_FOUND", type: "invalid_request_error", answer: () => client.get("/v1/agents/no-such-agent") },
      {
        status: 429,
        code: "E_PROVIDER_RATE_LIMITED",
        type: "rate_limit_error",
        answer: () => (mock.enqueue("main-model", { kind: "error", status: 429, retry_after: "1" }), client.post("/v1/chat/completions", chat())),
      },
      {
        status: 502,
        code: "E_PROVIDER_REJECTED",
        type: "server_error",
        answer: () => (mock.enqueue("main-model", { kind: "error", status: 400 }), client.post("/v1/chat/completions", chat())),
      },
      {
        status: 502,
        code: "E_PROVIDER_UNAVAILABLE",
        type: "server_error",
        answer: () => (mock.enqueue("main-model", { kind: "error", status: 503 }), client.post("/v1/chat/completions", chat())),
      },
    ];
    for (const each of cases) {
      const { status, body } = await each.answer();
      expect({ status, code: body.error.code, type: body.error.type, param: body.error.param }, each.code).toEqual({
        status: each.status,
        code: each.code,
        type: each.type,
        param: each.param ?? null,
      });
      expect(body.error.message).toEqual(expect.any(String));
      expect(body.error.details).toEqual(expect.any(Object));
    }
    const agent = { key: "conformance-agent", display_name: "A" };
    expect((await client.post("/v1/agents", agent)).status).toBe(201);
    const conflict = await client.post("/v1/agents", agent);
    expect(conflict.body.error).toMatchObject({ code: "E_CONFLICT", type: "invalid_request_error" });
  });

  it("sends an error event mid-stream in the same valid shape, and a JSON error when the stream never began", async () => {
    mock.enqueue("main-model", { kind: "stream_cut", content: "a long answer cut short", after_chunks: 2 });
    const cut = await client.post("/v1/chat/completions", chat({ stream: true }));
    expect(cut.status).toBe(200);
    const data = sseData(cut.text)
      .filter((payload) => payload !== "[DONE]")
      .map((payload) => JSON.parse(payload));
    expect(data.at(-1)?.error).toMatchObject({ code: "E_PROVIDER_STREAM_INTERRUPTED", type: "server_error", param: null });

    mock.enqueue("main-model", { kind: "error", status: 400 });
    const refused = await client.post("/v1/chat/completions", chat({ stream: true }));
    expect(refused.status).toBe(502);
    expect(refused.body.error).toMatchObject({ code: "E_PROVIDER_REJECTED", type: "server_error", param: null });
  });
});

describe("temperature 0", () => {
  it("reaches the provider as 0 from the HTTP door, as OpenAI's API takes it", async () => {
    await client.post("/v1/chat/completions", chat({ temperature: 0 }));
    expect(lastProviderBody().temperature).toBe(0);
    await client.post("/v1/chat/completions", chat({ temperature: 0.7 }));
    expect(lastProviderBody().temperature).toBe(0.7);
    await client.post("/v1/chat/completions", chat());
    expect(lastProviderBody()).not.toHaveProperty("temperature");
  });

  it("means unset on the NATS door, as in semstreams: the provider gets none", async () => {
    await orchestrator.send(userRequest("conformance-t0", "main", "zero", { temperature: 0 }));
    expect(lastProviderBody()).not.toHaveProperty("temperature");
    await orchestrator.send(userRequest("conformance-t5", "main", "half", { temperature: 0.5 }));
    expect(lastProviderBody().temperature).toBe(0.5);
  });
});
