import Fastify, { type FastifyInstance } from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import type { AgentResponse } from "../../src/core/agent-response.ts";
import type { StreamDelta } from "../../src/core/chat-provider.ts";
import { createLogger } from "../../src/observability/logger.ts";
import { CompletionStream, streamAnswer } from "../../src/transports/http/completion-stream.ts";
import { HttpError, registerErrorHandling } from "../../src/transports/http/http-errors.ts";
import { SseResponse } from "../../src/transports/http/sse-response.ts";

const logger = createLogger({ level: "silent" });
const context = { id: "chatcmpl-r1", created: 1_700_000_000, model: "m", includeUsage: false };

function response(extra: Partial<AgentResponse> = {}): AgentResponse {
  return {
    request_id: "r1",
    status: "complete",
    finish_reason: "stop",
    message: { role: "assistant", content: "Hello world" },
    token_usage: { prompt_tokens: 3, completion_tokens: 2 },
    ...extra,
  };
}

let app: FastifyInstance;
afterEach(async () => app?.close());

/** Serves one streamed answer: `deltas` arrive through onDelta, then `run` resolves (or throws). */
async function serve(options: { deltas?: StreamDelta[]; outcome: AgentResponse | Error; includeUsage?: boolean }) {
  app = Fastify();
  registerErrorHandling(app);
  app.post("/", async (_request, reply) => {
    const stream = new CompletionStream(new SseResponse(reply), { ...context, includeUsage: options.includeUsage ?? false }, logger);
    await streamAnswer(stream, async (onDelta) => {
      for (const delta of options.deltas ?? []) onDelta(delta);
      if (options.outcome instanceof Error) throw options.outcome;
      return options.outcome;
    });
    return reply;
  });
  return app.inject({ method: "POST", url: "/" });
}

const content = (text: string): StreamDelta => ({ contentDelta: text, reasoningDelta: "" });
const chunk = (delta: Record<string, unknown>, finishReason: string | null = null) =>
  `data: ${JSON.stringify({ id: "chatcmpl-r1", object: "chat.completion.chunk", created: 1_700_000_000, model: "m", choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }] })}\n\n`;
const roleChunk = chunk({ role: "assistant", content: "", refusal: null });

describe("CompletionStream: OpenAI chunks with or without provider deltas", () => {
  it("sends the whole content as one delta when no delta arrived", async () => {
    const result = await serve({ outcome: response() });
    expect(result.statusCode).toBe(200);
    expect(result.headers["content-type"]).toBe("text/event-stream; charset=utf-8");
    expect(result.body).toBe(roleChunk + chunk({ content: "Hello world" }) + chunk({}, "stop") + "data: [DONE]\n\n");
  });

  it("passes deltas through and adds nothing when they carried everything", async () => {
    const result = await serve({ deltas: [content("Hello"), content(" world")], outcome: response() });
    expect(result.body).toBe(roleChunk + chunk({ content: "Hello" }) + chunk({ content: " world" }) + chunk({}, "stop") + "data: [DONE]\n\n");
  });

  it("sends the rest of the final answer after partial deltas, reasoning included", async () => {
    const result = await serve({
      deltas: [{ contentDelta: "", reasoningDelta: "thinking" }, content("Hel")],
      outcome: response({ message: { role: "assistant", content: "Hello world", reasoning_content: "thinking hard" } }),
    });
    expect(result.body).toBe(
      roleChunk +
        chunk({ reasoning_content: "thinking" }) +
        chunk({ content: "Hel" }) +
        chunk({ reasoning_content: " hard" }) +
        chunk({ content: "lo world" }) +
        chunk({}, "stop") +
        "data: [DONE]\n\n",
    );
  });

  it("keeps what was streamed when the final answer differs (a retry after a partial stream)", async () => {
    const result = await serve({ deltas: [content("Goodbye")], outcome: response() });
    expect(result.body).toBe(roleChunk + chunk({ content: "Goodbye" }) + chunk({}, "stop") + "data: [DONE]\n\n");
  });

  it("sends tool calls with JSON-string arguments, finish_reason tool_calls, and the usage chunk when asked", async () => {
    const result = await serve({
      includeUsage: true,
      outcome: response({
        status: "tool_call",
        finish_reason: "stop",
        message: { role: "assistant", tool_calls: [{ id: "c1", name: "f", arguments: { a: 1 } }] },
      }),
    });
    const events = result.body.split("\n\n").filter(Boolean);
    expect(events.at(-1)).toBe("data: [DONE]");
    const chunks = events.slice(0, -1).map((event) => JSON.parse(event.slice("data: ".length)));
    expect(chunks.slice(0, -1).every((parsed) => parsed.usage === null)).toBe(true);
    expect(chunks[1].choices[0].delta).toEqual({ tool_calls: [{ index: 0, id: "c1", type: "function", function: { name: "f", arguments: '{"a":1}' } }] });
    expect(chunks[2].choices[0].finish_reason).toBe("tool_calls");
    expect(chunks[3]).toEqual({
      id: "chatcmpl-r1",
      object: "chat.completion.chunk",
      created: 1_700_000_000,
      model: "m",
      choices: [],
      usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 },
    });
  });

  it("answers a failure before any delta with a real HTTP status in the error shape", async () => {
    const result = await serve({ outcome: new HttpError({ code: "E_PROVIDER_TIMEOUT", message: "too slow" }) });
    expect(result.statusCode).toBe(504);
    expect(result.json()).toEqual({ error: { code: "E_PROVIDER_TIMEOUT", message: "too slow", type: "server_error", param: null, details: {} } });
  });

  it("ends an opened stream with an error event and no [DONE] when it fails later", async () => {
    const result = await serve({ deltas: [content("Hel")], outcome: new HttpError({ code: "E_PROVIDER_STREAM_INTERRUPTED", message: "cut" }) });
    expect(result.statusCode).toBe(200);
    expect(result.body).toBe(
      roleChunk +
        chunk({ content: "Hel" }) +
        `data: ${JSON.stringify({ error: { code: "E_PROVIDER_STREAM_INTERRUPTED", message: "cut", type: "server_error", param: null, details: {} } })}\n\n`,
    );
  });
});
