import type { ChatCompletionMessageParam } from "openai/resources/chat/completions";
import { describe, expect, it } from "vitest";
import { chatMessageSchema, type ChatMessage } from "../../src/core/agent-request.ts";
import type { ProviderResult } from "../../src/core/chat-provider.ts";
import { opaqueFromText } from "../../src/core/reasoning-record.ts";
import { geminiAdapter } from "../../src/providers/provider-adapters.ts";
import { mockThoughtSignature } from "../../src/providers/mock/build-mock-reply.ts";

type Message = ChatCompletionMessageParam;

const call = (id: string, name = "get_weather") => ({ id, type: "function" as const, function: { name, arguments: "{}" } });
const signatureOf = (extra: string) => ({ google: { thought_signature: extra } });
// Gemini signatures are base64 of binary data; `opaque` is base64 of that text (a Go []byte).
const sig1 = mockThoughtSignature("c1");
const sig3 = mockThoughtSignature("c3");
const record = (toolCallId: string, opaque: string, carrierKind = "tool_call") => ({
  provider: "google",
  opaque,
  carrier_kind: carrierKind,
  tool_call_id: toolCallId,
});

function assistant(ids: string[], records: ReturnType<typeof record>[]): { param: Message; source: ChatMessage } {
  const source = chatMessageSchema.parse({
    role: "assistant",
    tool_calls: ids.map((id) => ({ id, name: "get_weather", arguments: {} })),
    reasoning_records: records,
  });
  return { param: { role: "assistant", content: null, tool_calls: ids.map((id) => call(id)) }, source };
}

describe("gemini adapter messages", () => {
  it("applies the name and ' ' fallbacks but never collapses", () => {
    const messages = [
      { role: "user", content: "a" },
      { role: "user", content: "b" },
      { role: "assistant", content: null, tool_calls: [call("c1")] },
      { role: "tool", tool_call_id: "c1", content: "r" },
    ] as Message[];
    expect(geminiAdapter.normalizeMessages(messages)).toEqual([
      { role: "user", content: "a" },
      { role: "user", content: "b" },
      { role: "assistant", content: " ", tool_calls: [call("c1")] },
      { role: "tool", tool_call_id: "c1", content: "r", name: "unknown_tool" },
    ]);
  });
});

describe("gemini thought signatures on requests", () => {
  it("re-attaches each signature to the call with its id", () => {
    const { param, source } = assistant(["c1", "c2", "c3"], [record("c1", opaqueFromText(sig1)), record("c3", opaqueFromText(sig3))]);
    const out = geminiAdapter.attachCarriers(param, source);
    expect(out).toEqual({
      role: "assistant",
      content: null,
      tool_calls: [{ ...call("c1"), extra_content: signatureOf(sig1) }, call("c2"), { ...call("c3"), extra_content: signatureOf(sig3) }],
    });
    expect(param.role === "assistant" && param.tool_calls?.[0]).not.toHaveProperty("extra_content");
  });

  it("attaches to every call matching the id, not only the first (gh#188)", () => {
    const { param, source } = assistant(["dup", "dup"], [record("dup", opaqueFromText(sig1))]);
    const out = geminiAdapter.attachCarriers(param, source);
    expect(out.role === "assistant" && out.tool_calls?.map((toolCall) => (toolCall as { extra_content?: unknown }).extra_content)).toEqual([
      signatureOf(sig1),
      signatureOf(sig1),
    ]);
  });

  it('sends the signature text semstreams\' own test round-trips (opaque c2lnLXJ0 is "sig-rt")', () => {
    const { param, source } = assistant(["call-1"], [record("call-1", "c2lnLXJ0")]);
    const out = geminiAdapter.attachCarriers(param, source);
    expect(out.role === "assistant" && out.tool_calls?.[0]).toMatchObject({ extra_content: signatureOf("sig-rt") });
  });

  it("echoes records written by an earlier modelbus (the signature itself in opaque) unchanged", () => {
    for (const legacy of [sig1, "sig-call-a", "c2lnLWNhbGwtYQ"]) {
      const { param, source } = assistant(["c1"], [record("c1", legacy)]);
      const out = geminiAdapter.attachCarriers(param, source);
      expect(out.role === "assistant" && out.tool_calls?.[0]).toMatchObject({ extra_content: signatureOf(legacy) });
    }
  });

  it("takes the last record when two name the same call, as semstreams does", () => {
    const { param, source } = assistant(["c1"], [record("c1", opaqueFromText(sig1)), record("c1", opaqueFromText(sig3))]);
    const out = geminiAdapter.attachCarriers(param, source);
    expect(out.role === "assistant" && out.tool_calls?.[0]).toMatchObject({ extra_content: signatureOf(sig3) });
  });

  it("ignores records that are not tool-call carriers or lack a signature", () => {
    const { param, source } = assistant(["c1"], [record("c1", opaqueFromText(sig1), "standalone_item"), { ...record("c1", ""), opaque: "" }]);
    expect(geminiAdapter.attachCarriers(param, source)).toBe(param);
  });

  it("leaves messages without records or tool calls as they are", () => {
    const user: Message = { role: "user", content: "hi" };
    expect(geminiAdapter.attachCarriers(user, chatMessageSchema.parse({ role: "user", content: "hi" }))).toBe(user);
    const { param, source } = assistant(["c1"], []);
    expect(geminiAdapter.attachCarriers(param, source)).toBe(param);
  });
});

function result(ids: string[], existing?: ProviderResult["message"]["reasoning_records"]): ProviderResult {
  return {
    status: "tool_call",
    finishReason: "stop",
    message: {
      role: "assistant",
      tool_calls: ids.map((id) => ({ id, name: "get_weather", arguments: {} })),
      ...(existing ? { reasoning_records: existing } : {}),
    },
    usage: { prompt_tokens: 1, completion_tokens: 1 },
    providerModel: "gemini-3-pro-preview",
  };
}

describe("gemini thought signatures on responses", () => {
  it("captures every call's signature as a google tool_call record", () => {
    const raw = [{ id: "c1", extra_content: signatureOf(sig1) }, { id: "c2" }, { id: "c3", extra_content: signatureOf(sig3) }];
    expect(geminiAdapter.normalizeResponse?.(result(["c1", "c2", "c3"]), raw).message.reasoning_records).toEqual([
      { provider: "google", opaque: Buffer.from(sig1).toString("base64"), carrier_kind: "tool_call", tool_call_id: "c1" },
      { provider: "google", opaque: Buffer.from(sig3).toString("base64"), carrier_kind: "tool_call", tool_call_id: "c3" },
    ]);
  });

  it('writes opaque as Go writes []byte("sig-rt"), the vector of semstreams\' round-trip test', () => {
    const raw = [{ id: "call-1", extra_content: signatureOf("sig-rt") }];
    expect(geminiAdapter.normalizeResponse?.(result(["call-1"]), raw).message.reasoning_records).toEqual([
      { provider: "google", opaque: "c2lnLXJ0", carrier_kind: "tool_call", tool_call_id: "call-1" },
    ]);
  });

  it("appends to records already there and skips calls the result dropped", () => {
    const existing = [{ provider: "openai", carrier_kind: "standalone_item", item_id: "rs_1" }];
    const raw = [
      { id: "c1", extra_content: signatureOf(sig1) },
      { id: "gone", extra_content: signatureOf(sig3) },
    ];
    expect(geminiAdapter.normalizeResponse?.(result(["c1"], existing), raw).message.reasoning_records).toEqual([
      ...existing,
      { provider: "google", opaque: opaqueFromText(sig1), carrier_kind: "tool_call", tool_call_id: "c1" },
    ]);
  });

  it.each([[null], ["sig"], [{ google: null }], [{ google: { thought_signature: 42 } }], [{ google: { thought_signature: "" } }]])(
    "ignores a malformed carrier %j",
    (extraContent) => {
      const before = result(["c1"]);
      expect(geminiAdapter.normalizeResponse?.(before, [{ id: "c1", extra_content: extraContent }])).toBe(before);
    },
  );

  it("round-trips: captured on a response, parsed back as history, re-attached on the next request", () => {
    const captured = geminiAdapter.normalizeResponse?.(result(["c1", "c2"]), [
      { id: "c1", extra_content: signatureOf(sig1) },
      { id: "c2", extra_content: signatureOf(sig3) },
    ]);
    const history = chatMessageSchema.parse(JSON.parse(JSON.stringify(captured?.message)));
    const { param } = assistant(["c1", "c2"], []);
    const out = geminiAdapter.attachCarriers(param, history);
    expect(out.role === "assistant" && out.tool_calls).toEqual([
      { ...call("c1"), extra_content: signatureOf(sig1) },
      { ...call("c2"), extra_content: signatureOf(sig3) },
    ]);
  });
});
