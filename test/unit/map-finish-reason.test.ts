import type { ChatCompletion } from "openai/resources/chat/completions";
import { describe, expect, it } from "vitest";
import { ModelbusError } from "../../src/core/modelbus-error.ts";
import { mapFinishReason } from "../../src/providers/map-finish-reason.ts";
import { parseChatCompletion } from "../../src/providers/parse-chat-completion.ts";

describe("finish reason → status", () => {
  it.each([
    ["stop", false, "complete"],
    ["length", false, "length_truncated"],
    ["tool_calls", true, "tool_call"],
    ["stop", true, "tool_call"],
    ["length", true, "length_truncated"],
    ["content_filter", false, "complete"],
    ["", false, "complete"],
    [null, false, "complete"],
  ] as const)("%s with tool calls=%s → %s", (reason, hasTools, status) => {
    expect(mapFinishReason(reason, hasTools)).toBe(status);
  });
});

function completion(message: Record<string, unknown>, finish_reason: string | null = "stop"): ChatCompletion {
  return {
    id: "c1",
    object: "chat.completion",
    created: 0,
    model: "provider-model",
    choices: [{ index: 0, message: { role: "assistant", refusal: null, ...message }, finish_reason, logprobs: null }],
    usage: { prompt_tokens: 11, completion_tokens: 7, total_tokens: 18 },
  } as unknown as ChatCompletion;
}

const call = (id: string, args: string) => ({ id, type: "function", function: { name: "get_weather", arguments: args } });

describe("parseChatCompletion", () => {
  it("maps content, usage and the provider model", () => {
    const result = parseChatCompletion(completion({ content: "hi" }), () => {});
    expect(result).toEqual({
      status: "complete",
      finishReason: "stop",
      message: { role: "assistant", content: "hi" },
      usage: { prompt_tokens: 11, completion_tokens: 7 },
      providerModel: "provider-model",
    });
  });

  it("parses tool-call arguments and forces tool_call status even with stop", () => {
    const result = parseChatCompletion(completion({ content: null, tool_calls: [call("a", '{"location":"London"}'), call("b", "")] }), () => {});
    expect(result.status).toBe("tool_call");
    expect(result.message.tool_calls).toEqual([
      { id: "a", name: "get_weather", arguments: { location: "London" } },
      { id: "b", name: "get_weather", arguments: {} },
    ]);
  });

  it("replaces malformed arguments with {} and warns", () => {
    const warnings: string[] = [];
    const result = parseChatCompletion(completion({ tool_calls: [call("a", '{"location":')] }, "tool_calls"), (m) => warnings.push(m));
    expect(result.message.tool_calls?.[0]?.arguments).toEqual({});
    expect(warnings).toHaveLength(1);
  });

  it("drops tool calls cut off by length and keeps usage", () => {
    const result = parseChatCompletion(completion({ tool_calls: [call("a", '{"loc')] }, "length"), () => {});
    expect(result.status).toBe("length_truncated");
    expect(result.message.tool_calls).toBeUndefined();
    expect(result.usage.completion_tokens).toBe(7);
  });

  it("captures reasoning_content and the Ollama reasoning alias", () => {
    expect(parseChatCompletion(completion({ content: "x", reasoning_content: "think" }), () => {}).message.reasoning_content).toBe("think");
    expect(parseChatCompletion(completion({ content: "x", reasoning: "alias" }), () => {}).message.reasoning_content).toBe("alias");
  });

  it("rejects a body without choices or message", () => {
    const empty = { ...completion({}), choices: [] } as ChatCompletion;
    expect(() => parseChatCompletion(empty, () => {})).toThrow(ModelbusError);
    expect(() => parseChatCompletion(empty, () => {})).toThrow("no choices in response");
    const noMessage = { ...completion({}), choices: [{ index: 0, finish_reason: "stop" }] } as unknown as ChatCompletion;
    expect(() => parseChatCompletion(noMessage, () => {})).toThrow("no message in choice");
  });
});
