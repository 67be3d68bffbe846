import type { ChatCompletionMessageParam } from "openai/resources/chat/completions";
import { describe, expect, it } from "vitest";
import { chatMessageSchema, type ChatMessage } from "../../src/core/agent-request.ts";
import type { ProviderResult } from "../../src/core/chat-provider.ts";
import { geminiAdapter } from "../../src/providers/adapters/gemini-adapter.ts";

type Message = ChatCompletionMessageParam;

const call = (id: string, name = "get_weather") => ({ id, type: "function" as const, function: { name, arguments: "{}" } });
const signatureOf = (extra: string) => ({ google: { thought_signature: extra } });
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
    const { param, source } = assistant(["c1", "c2", "c3"], [record("c1", "c2lnLTE="), record("c3", "c2lnLTM=")]);
    const out = geminiAdapter.attachCarriers(param, source);
    expect(out).toEqual({
      role: "assistant",
      content: null,
      tool_calls: [
        { ...call("c1"), extra_content: signatureOf("c2lnLTE=") },
        call("c2"),
        { ...call("c3"), extra_content: signatureOf("c2lnLTM=") },
      ],
    });
    expect(param.role === "assistant" && param.tool_calls?.[0]).not.toHaveProperty("extra_content");
  });

  it("attaches to every call matching the id, not only the first (gh#188)", () => {
    const { param, source } = assistant(["dup", "dup"], [record("dup", "c2ln")]);
    const out = geminiAdapter.attachCarriers(param, source);
    expect(out.role === "assistant" && out.tool_calls?.map((toolCall) => (toolCall as { extra_content?: unknown }).extra_content)).toEqual([
      signatureOf("c2ln"),
      signatureOf("c2ln"),
    ]);
  });

  it("ignores records that are not tool-call carriers or lack a signature", () => {
    const { param, source } = assistant(["c1"], [record("c1", "c2ln", "standalone_item"), { ...record("c1", ""), opaque: "" }]);
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
    const raw = [
      { id: "c1", extra_content: signatureOf("c2lnLTE=") },
      { id: "c2" },
      { id: "c3", extra_content: signatureOf("c2lnLTM=") },
    ];
    expect(geminiAdapter.normalizeResponse?.(result(["c1", "c2", "c3"]), raw).message.reasoning_records).toEqual([
      { provider: "google", opaque: "c2lnLTE=", carrier_kind: "tool_call", tool_call_id: "c1" },
      { provider: "google", opaque: "c2lnLTM=", carrier_kind: "tool_call", tool_call_id: "c3" },
    ]);
  });

  it("appends to records already there and skips calls the result dropped", () => {
    const existing = [{ provider: "openai", carrier_kind: "standalone_item", item_id: "rs_1" }];
    const raw = [
      { id: "c1", extra_content: signatureOf("c2ln") },
      { id: "gone", extra_content: signatureOf("dHJ1bmNhdGVk") },
    ];
    expect(geminiAdapter.normalizeResponse?.(result(["c1"], existing), raw).message.reasoning_records).toEqual([
      ...existing,
      { provider: "google", opaque: "c2ln", carrier_kind: "tool_call", tool_call_id: "c1" },
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
      { id: "c1", extra_content: signatureOf("QUJD") },
      { id: "c2", extra_content: signatureOf("REVG") },
    ]);
    const history = chatMessageSchema.parse(JSON.parse(JSON.stringify(captured?.message)));
    const { param } = assistant(["c1", "c2"], []);
    const out = geminiAdapter.attachCarriers(param, history);
    expect(out.role === "assistant" && out.tool_calls).toEqual([
      { ...call("c1"), extra_content: signatureOf("QUJD") },
      { ...call("c2"), extra_content: signatureOf("REVG") },
    ]);
  });
});
