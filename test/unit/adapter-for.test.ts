import { describe, expect, it } from "vitest";
import { chatMessageSchema } from "../../src/core/agent-request.ts";
import { adapterFor, toProviderMessages } from "../../src/providers/provider-adapters.ts";
import { providerNames } from "../../src/config/config-schema.ts";

describe("adapterFor", () => {
  it.each([
    ["gemini", "gemini"],
    ["openai", "openai"],
    ["ollama", "ollama"],
    ["anthropic", "generic"],
    ["openrouter", "generic"],
    ["mock", "generic"],
    ["generic", "generic"],
    ["", "generic"],
    ["Gemini", "generic"],
  ])("%j → %s", (provider, adapter) => {
    expect(adapterFor(provider).name).toBe(adapter);
  });
});

describe("Gemini carriers never reach other providers", () => {
  // An assistant turn that came back from Gemini, then routed to another endpoint (fallback).
  const history = [
    chatMessageSchema.parse({ role: "user", content: "Weather in London?" }),
    chatMessageSchema.parse({
      role: "assistant",
      tool_calls: [{ id: "call-1", name: "get_weather", arguments: { city: "London" } }],
      // opaque = base64 of the signature text "sig-abc", as Go writes a []byte.
      reasoning_records: [{ provider: "google", opaque: "c2lnLWFiYw==", carrier_kind: "tool_call", tool_call_id: "call-1" }],
    }),
    chatMessageSchema.parse({ role: "tool", tool_call_id: "call-1", name: "get_weather", content: "12 °C" }),
  ];
  // The shape buildChatParams produces today (reasoning records are not part of it).
  const toParam = (message: (typeof history)[number]) =>
    message.role === "assistant"
      ? {
          role: "assistant" as const,
          content: message.content ?? null,
          tool_calls: (message.tool_calls ?? []).map((call) => ({
            id: call.id,
            type: "function" as const,
            function: { name: call.name, arguments: JSON.stringify(call.arguments ?? {}) },
          })),
        }
      : message.role === "tool"
        ? { role: "tool" as const, content: message.content ?? "", tool_call_id: message.tool_call_id ?? "" }
        : { role: "user" as const, content: message.content ?? "" };

  it.each(providerNames.filter((name) => name !== "gemini"))("%s gets no extra_content and no thought_signature", (provider) => {
    const body = JSON.stringify(toProviderMessages(history, adapterFor(provider), toParam));
    expect(body).not.toContain("extra_content");
    expect(body).not.toContain("thought_signature");
    expect(body).not.toContain("c2lnLWFiYw==");
    expect(body).not.toContain("sig-abc");
  });

  it("gemini gets the signature back", () => {
    const body = JSON.stringify(toProviderMessages(history, adapterFor("gemini"), toParam));
    expect(body).toContain('"extra_content":{"google":{"thought_signature":"sig-abc"}}');
  });
});
