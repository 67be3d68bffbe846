import type { ChatCompletionMessageParam } from "openai/resources/chat/completions";
import { describe, expect, it } from "vitest";
import { chatMessageSchema } from "../../src/core/agent-request.ts";
import { openAIAdapter } from "../../src/providers/provider-adapters.ts";

describe("openai adapter", () => {
  it("changes no message: no name fallback, no ' ', no collapse", () => {
    const messages = [
      { role: "user", content: "a" },
      { role: "user", content: "b" },
      { role: "assistant", content: null, tool_calls: [{ id: "c1", type: "function", function: { name: "f", arguments: "{}" } }] },
      { role: "tool", tool_call_id: "c1", content: "r" },
      { role: "assistant", content: "" },
      { role: "assistant", content: "done" },
    ] as ChatCompletionMessageParam[];
    const copy = structuredClone(messages);
    const out = openAIAdapter.normalizeMessages(messages);
    expect(out).toEqual(copy);
    expect(out).not.toBe(messages);
  });

  it.each([
    [{ index: 3 }, 3],
    [{ index: 0, id: "call_b" }, 0],
    [{}, 0],
    [{ id: "call_b" }, 0],
  ])("stream index of %j is %i (explicit, else 0)", (delta, expected) => {
    const state = {
      lastIndex: 1,
      calls: new Map([
        [0, { id: "call_a", name: "f" }],
        [1, { id: "call_c", name: "g" }],
      ]),
    };
    expect(openAIAdapter.streamToolIndex(delta, state)).toBe(expected);
  });

  it("has no carriers and no response hook", () => {
    const param: ChatCompletionMessageParam = { role: "user", content: "x" };
    expect(openAIAdapter.attachCarriers(param, chatMessageSchema.parse({ role: "user", content: "x" }))).toBe(param);
    expect(openAIAdapter.normalizeResponse).toBeUndefined();
  });
});
