/**
 * The NATS wire format against Go itself: test/go/semstreams-wire decodes with Go's
 * encoding/json into structs carrying semstreams' json tags. Requests a loop writes (vectors
 * Go emitted, and variants of them that Go's rules accept) must decode here to what Go reads;
 * every response modelbus writes must decode in Go, pass semstreams' Validate, and carry the
 * reasoning bytes the provider sent.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { AgentRequest } from "../../src/core/agent-request.ts";
import { errorResponse, type AgentResponse } from "../../src/core/agent-response.ts";
import type { ProviderResult } from "../../src/core/chat-provider.ts";
import { ModelbusError } from "../../src/core/modelbus-error.ts";
import { geminiAdapter } from "../../src/providers/provider-adapters.ts";
import { mockThoughtSignature } from "../../src/providers/mock/build-mock-reply.ts";
import { decodeRequest } from "../../src/transports/nats/decode-request.ts";
import { encodeResponse } from "../../src/transports/nats/encode-response.ts";
import { goDecode, goDecodeOne, type GoDecoded } from "../support/semstreams-wire.ts";

interface VectorFile {
  readonly vectors: ReadonlyArray<{ readonly description: string; readonly json_text: string }>;
}

const vectors = (name: string) =>
  (JSON.parse(readFileSync(new URL(`../fixtures/semstreams/wire/${name}.json`, import.meta.url), "utf8")) as VectorFile).vectors;

/** Fields the loop keeps on its own tool calls and tools, which modelbus neither needs nor sends. */
const loopOnlyToolCallFields = ["loop_id", "trace_id", "request_id", "execution_id", "call_ordinal", "approved_by"];
const neverSentToolFields = ["paginated", "effect"];

/**
 * Also a temperature of 0 or less: semstreams sends one to the provider only when it is above 0
 * (Go's zero value is "unset"), so modelbus drops it as it decodes, as Go's omitempty leaves a
 * zero out.
 */
function withoutLoopOnlyFields(value: unknown): unknown {
  const request = structuredClone(value) as {
    messages?: Array<{ tool_calls?: Array<Record<string, unknown>> }> | null;
    tools?: Array<Record<string, unknown>>;
    temperature?: number;
  };
  if (request.temperature !== undefined && request.temperature <= 0) delete request.temperature;
  for (const message of request.messages ?? [])
    for (const call of message.tool_calls ?? []) for (const field of loopOnlyToolCallFields) Reflect.deleteProperty(call, field);
  for (const tool of request.tools ?? []) for (const field of neverSentToolFields) Reflect.deleteProperty(tool, field);
  return request;
}

/** What Go reads from the request modelbus decoded, against what Go reads from the original. */
function expectSameAsGo(ours: AgentRequest, original: GoDecoded): void {
  const again = goDecodeOne("AgentRequest", JSON.stringify(ours));
  expect(again.error).toBeUndefined();
  expect(withoutLoopOnlyFields(again.value)).toEqual(withoutLoopOnlyFields(original.value));
  expect(again.opaque_texts).toEqual(original.opaque_texts);
}

function decodedRequest(text: string): AgentRequest {
  const decoded = decodeRequest(new TextEncoder().encode(text), 10_000_000);
  if (decoded.kind !== "request") throw new Error(`modelbus refused what Go accepts: ${decoded.error.message}\n${text}`);
  return decoded.request;
}

describe("requests a semstreams loop writes", () => {
  it.each(vectors("AgentRequest").map((vector) => [vector.description, vector.json_text] as const))("%s", (_name, text) => {
    const go = goDecodeOne("AgentRequest", text);
    expect(go.error).toBeUndefined();
    if ((go.problems ?? []).length > 0) {
      // Go decodes it but agentic-model cannot send it (no messages): an error reply, not silence.
      const decoded = decodeRequest(new TextEncoder().encode(text), 10_000_000);
      expect(decoded).toMatchObject({ kind: "invalid", error: { code: "E_REQUEST_INVALID" }, requestId: (go.value as { request_id: string }).request_id });
      return;
    }
    expectSameAsGo(decodedRequest(text), go);
  });

  it.each(vectors("BaseMessage").map((vector) => [vector.description, vector.json_text] as const))("envelope: %s", (_name, text) => {
    const go = goDecodeOne("Envelope", text);
    const decoded = decodeRequest(new TextEncoder().encode(text), 10_000_000);
    if (go.type !== "agentic.request.v1") {
      // Not a request (a response, or another payload type): never taken as one.
      expect(decoded).toMatchObject({ kind: "invalid", form: "envelope", error: { code: "E_PAYLOAD_INVALID" } });
      return;
    }
    expect(go.error).toBeUndefined();
    if (decoded.kind !== "request") throw new Error(decoded.error.message);
    expect(decoded.form).toBe("envelope");
    const payload = JSON.stringify((JSON.parse(text) as { payload: unknown }).payload);
    expectSameAsGo(decoded.request, goDecodeOne("AgentRequest", payload));
  });
});

const base = {
  request_id: "loop-1:req:3:0",
  loop_id: "loop-1",
  role: "general",
  model: "fast",
  messages: [
    { role: "system", content: "You are helpful." },
    { role: "user", content: "Weather in London?" },
    {
      role: "assistant",
      tool_calls: [{ id: "call-1", name: "get_weather", arguments: { City: "London", Nested: { Deep: [1, 2] } } }],
      reasoning_records: [
        { provider: "google", opaque: Buffer.from(mockThoughtSignature("call-1")).toString("base64"), carrier_kind: "tool_call", tool_call_id: "call-1" },
      ],
    },
    { role: "tool", tool_call_id: "call-1", name: "get_weather", content: "12 °C" },
  ],
  tools: [{ name: "get_weather", description: "weather", parameters: { type: "object", properties: { City: { type: "string" } } }, strict: true }],
  tool_choice: { mode: "function", function_name: "get_weather" },
  response_format: { type: "json_schema", name: "answer", schema: { type: "object" }, strict: false },
  timeout: "45s",
  max_tokens: 512,
  temperature: 0.2,
};

const json = (value: unknown) => JSON.stringify(value);
const upper = (text: string) => text.toUpperCase();

/** Variants of one request: each is JSON text Go may or may not accept. */
const variants: ReadonlyArray<readonly [string, string]> = [
  ["as written", json(base)],
  [
    "every struct key upper-cased",
    json(base).replace(/"([a-z_]+)":/g, (match, key: string) => (["City", "Nested", "Deep", "type", "properties"].includes(key) ? match : `"${upper(key)}":`)),
  ],
  [
    "keys in mixed case",
    json(base).replace('"request_id"', '"Request_Id"').replace('"tool_calls"', '"Tool_Calls"').replace('"function_name"', '"Function_Name"'),
  ],
  ["Kelvin sign and long s fold as in Go", json(base).replace('"max_tokens"', '"max_to\u212Aens"').replace('"tool_calls"', '"tool_call\u017f"')],
  ["a later key of any case wins", json({ ...base, MODEL: "smart" })],
  [
    "null for every nullable field",
    json({ ...base, tool_choice: null, response_format: null, tools: null, loop_id: null, timeout: null, temperature: null, max_tokens: null }),
  ],
  [
    "null inside messages",
    json({ ...base, messages: [{ role: "user", content: "hi", name: null, tool_calls: null, reasoning_records: null, tool_call_id: null, is_error: null }] }),
  ],
  [
    "null arguments and opaque",
    json({
      ...base,
      messages: [
        {
          role: "assistant",
          tool_calls: [{ id: "c", name: "f", arguments: null }],
          reasoning_records: [{ provider: "google", opaque: null, carrier_kind: "tool_call" }],
        },
      ],
    }),
  ],
  [
    "reasoning alias, any case",
    json({
      ...base,
      messages: [
        { role: "assistant", content: "a", REASONING: "thought" },
        { role: "assistant", content: "b", reasoning_content: "", reasoning: "x" },
      ],
    }),
  ],
  [
    "opaque base64 broken over lines",
    json({
      ...base,
      messages: [{ role: "assistant", content: "x", reasoning_records: [{ provider: "google", opaque: "c2ln\nLXJ0", carrier_kind: "tool_call" }] }],
    }),
  ],
  [
    "a tool call with an empty name and its synthetic reply",
    json({
      ...base,
      messages: [
        { role: "user", content: "go" },
        { role: "assistant", tool_calls: [{ id: "call-9", name: "" }] },
        {
          role: "tool",
          tool_call_id: "call-9",
          name: "invalid_tool_call",
          content: "Tool error: tool call had empty function name — call a specific tool by name or respond with text",
          is_error: true,
        },
      ],
    }),
  ],
  [
    "roles and contents the loop never writes",
    json({ ...base, messages: [{ role: "developer", content: "brief" }, { role: "user" }, { role: "tool", content: "orphan" }, { content: "no role" }] }),
  ],
  ["out-of-range numbers", json({ ...base, temperature: -1, max_tokens: -3 })],
  ["a nameless tool without parameters", json({ ...base, tools: [{ name: "", description: "", parameters: null }] })],
  [
    "unknown keys everywhere",
    json({ ...base, future: { x: 1 }, messages: [{ role: "user", content: "hi", extra: [1] }], tool_choice: { mode: "auto", hint: true } }),
  ],
  ["Go integers only: 1.0 is not an int", json({ ...base }).replace('"max_tokens":512', '"max_tokens":512.0')],
  ["a number where Go wants a string", json({ ...base, loop_id: 7 })],
  [
    "unpadded base64 in opaque",
    json({
      ...base,
      messages: [{ role: "assistant", content: "x", reasoning_records: [{ provider: "google", opaque: "c2lnLXJ0YQ", carrier_kind: "tool_call" }] }],
    }),
  ],
];

describe("decoding mirrors Go's rules: whatever Go reads, modelbus reads the same", () => {
  const results = goDecode(variants.map(([, text]) => ({ as: "AgentRequest" as const, text })));

  it.each(variants.map(([name, text], index) => [name, text, index] as const))("%s", (_name, text, index) => {
    const go = results[index] as GoDecoded;
    if (go.error !== undefined || (go.problems ?? []).length > 0) return; // Go refuses it: no loop can have sent it
    expectSameAsGo(decodedRequest(text), go);
  });

  it("Go accepts the variants meant to be accepted and refuses the three it must", () => {
    const refused = variants.filter((_, index) => results[index]?.error !== undefined).map(([name]) => name);
    expect(refused).toEqual(["Go integers only: 1.0 is not an int", "a number where Go wants a string", "unpadded base64 in opaque"]);
  });

  it("takes an old release's envelope (untagged Go type: Domain/Category/Version) as Go does", () => {
    const text = json({
      ID: "e-1",
      Type: { Domain: "agentic", Category: "request", Version: "v1" },
      Payload: base,
      Meta: { created_at: 1_760_000_000_000, received_at: 1_760_000_000_000, source: "agentic-loop" },
    });
    const go = goDecodeOne("Envelope", text);
    expect(go).toMatchObject({ type: "agentic.request.v1" });
    expect(go.error).toBeUndefined();
    const decoded = decodeRequest(new TextEncoder().encode(text), 10_000_000);
    expect(decoded).toMatchObject({ kind: "request", form: "envelope" });
    if (decoded.kind === "request") expectSameAsGo(decoded.request, goDecodeOne("AgentRequest", json(base)));
  });
});

function geminiToolCall(): AgentResponse {
  const result: ProviderResult = {
    status: "tool_call",
    finishReason: "stop",
    message: {
      role: "assistant",
      tool_calls: [
        { id: "call-a", name: "get_weather", arguments: { location: "London" } },
        { id: "call-b", name: "get_weather", arguments: {} },
      ],
    },
    usage: { prompt_tokens: 15, completion_tokens: 25 },
    providerModel: "gemini-3-pro-preview",
  };
  const raw = ["call-a", "call-b"].map((id) => ({ id, extra_content: { google: { thought_signature: mockThoughtSignature(id) } } }));
  const captured = geminiAdapter.normalizeResponse?.(result, raw) ?? result;
  return {
    request_id: "loop-1:req:1:0",
    status: captured.status,
    finish_reason: "stop",
    message: captured.message,
    token_usage: captured.usage,
    endpoint: "gem",
    provider_model: "gemini-3-pro-preview",
    latency_ms: 12,
  };
}

const responses: ReadonlyArray<readonly [string, AgentResponse]> = [
  [
    "complete with reasoning and a retry",
    {
      request_id: "r-1",
      status: "complete",
      finish_reason: "stop",
      message: { role: "assistant", content: "The answer is 42.", reasoning_content: "Let me think…" },
      token_usage: { prompt_tokens: 10, completion_tokens: 30 },
      retry_count: 1,
      endpoint: "mock",
      provider_model: "m",
      latency_ms: 3,
    },
  ],
  ["a Gemini tool call with thought signatures", geminiToolCall()],
  [
    "length_truncated",
    {
      request_id: "r-3",
      status: "length_truncated",
      finish_reason: "length",
      message: { role: "assistant", content: "partial" },
      token_usage: { prompt_tokens: 1, completion_tokens: 4_096 },
    },
  ],
  [
    "an error",
    errorResponse("r-4", new ModelbusError({ code: "E_PROVIDER_UNAVAILABLE", message: "HTTP 503: overloaded" }), {
      retry_count: 2,
      endpoint: "mock",
      latency_ms: 900,
    }),
  ],
  [
    "text with characters Go escapes",
    {
      request_id: "r-5",
      status: "complete",
      finish_reason: "stop",
      message: { role: "assistant", content: "<b>&</b> \u2028 é 😀" },
      token_usage: { prompt_tokens: 1, completion_tokens: 1 },
    },
  ],
];

describe("every response modelbus writes decodes in Go", () => {
  it.each(responses.map(([name, response]) => [name, response] as const))("%s, bare and in the envelope", (_name, response) => {
    const [bare, wrapped] = goDecode([
      { as: "AgentResponse", text: new TextDecoder().decode(encodeResponse(response, "bare")) },
      { as: "Envelope", text: new TextDecoder().decode(encodeResponse(response, "envelope")) },
    ]);
    for (const go of [bare, wrapped] as GoDecoded[]) {
      expect(go.error).toBeUndefined();
      expect(go.problems ?? []).toEqual([]);
      expect(go.value).toMatchObject({ request_id: response.request_id, status: response.status, token_usage: response.token_usage });
      expect((go.value as { message: unknown }).message).toMatchObject({
        role: response.message.role,
        ...(response.message.content ? { content: response.message.content } : {}),
      });
    }
    expect(wrapped).toMatchObject({ type: "agentic.response.v1", meta_times_are_integers: true });
  });

  it("hands the loop the exact signature bytes Gemini sent, one record per call", () => {
    const go = goDecodeOne(
      "AgentResponse",
      new TextDecoder().decode(encodeResponse(geminiToolCall(), "envelope")).replace(/^.*"payload":(.*),"meta".*$/, "$1"),
    );
    expect(go.error).toBeUndefined();
    expect(go.opaque_texts).toEqual([mockThoughtSignature("call-a"), mockThoughtSignature("call-b")]);
    expect((go.value as { message: { tool_calls: unknown[] } }).message.tool_calls).toEqual([
      { id: "call-a", name: "get_weather", arguments: { location: "London" } },
      { id: "call-b", name: "get_weather" },
    ]);
  });
});
