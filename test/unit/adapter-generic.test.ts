import type { ChatCompletionMessageParam } from "openai/resources/chat/completions";
import { describe, expect, it } from "vitest";
import { genericAdapter, ollamaAdapter } from "../../src/providers/provider-adapters.ts";

type Message = ChatCompletionMessageParam;

const call = (id: string) => ({ id, type: "function" as const, function: { name: "lookup", arguments: "{}" } });
const toolResult = (id: string, content: string, name?: string): Message =>
  ({ role: "tool", tool_call_id: id, content, ...(name === undefined ? {} : { name }) }) as Message;

describe.each([genericAdapter, ollamaAdapter])("$name adapter messages", (adapter) => {
  it("names nameless tool results unknown_tool and keeps real names", () => {
    const out = adapter.normalizeMessages([toolResult("a", "1"), toolResult("b", "2", ""), toolResult("c", "3", "lookup")]);
    expect(out.map((message) => (message as { name?: string }).name)).toEqual(["unknown_tool", "unknown_tool", "lookup"]);
  });

  it.each([
    ["absent", {}],
    ["null", { content: null }],
    ["empty", { content: "" }],
    ["an empty part list", { content: [] }],
  ])("gives a tool-calling assistant with %s content a single space", (_name, content) => {
    const [out] = adapter.normalizeMessages([{ role: "assistant", tool_calls: [call("a")], ...content } as Message]);
    expect(out).toEqual({ role: "assistant", tool_calls: [call("a")], content: " " });
  });

  it("leaves assistant text next to tool calls alone", () => {
    const message: Message = { role: "assistant", content: "Looking it up.", tool_calls: [call("a")] };
    expect(adapter.normalizeMessages([message])).toEqual([message]);
  });

  it("collapses same-role runs with a blank line, empty + x = x", () => {
    const out = adapter.normalizeMessages([
      { role: "system", content: "Be brief." },
      { role: "system", content: "Use metric units." },
      { role: "user", content: "" },
      { role: "user", content: "Hi" },
      { role: "user", content: "Weather?" },
      { role: "assistant", content: null },
      { role: "assistant", content: "Sunny." },
      { role: "assistant", content: "" },
    ]);
    expect(out).toEqual([
      { role: "system", content: "Be brief.\n\nUse metric units." },
      { role: "user", content: "Hi\n\nWeather?" },
      { role: "assistant", content: "Sunny." },
    ]);
  });

  it("keeps tool-call/tool-result pairs intact", () => {
    const messages: Message[] = [
      { role: "user", content: "Compare a and b" },
      { role: "assistant", content: "First a.", tool_calls: [call("a")] },
      toolResult("a", "1", "lookup"),
      { role: "assistant", content: "Now b.", tool_calls: [call("b")] },
      toolResult("b", "2", "lookup"),
      toolResult("c", "3", "lookup"),
      { role: "assistant", content: "Both done." },
    ];
    expect(adapter.normalizeMessages(messages)).toEqual(messages);
  });

  it("does not merge a plain assistant turn into one with tool calls", () => {
    const messages: Message[] = [
      { role: "assistant", content: "Thinking." },
      { role: "assistant", content: "Calling.", tool_calls: [call("a")] },
      { role: "assistant", content: "Again." },
    ];
    expect(adapter.normalizeMessages(messages)).toEqual(messages);
  });

  it("does not merge multi-part content", () => {
    const messages: Message[] = [
      { role: "user", content: "Look:" },
      { role: "user", content: [{ type: "image_url", image_url: { url: "https://example.test/a.png" } }] },
      { role: "user", content: "What is it?" },
    ];
    expect(adapter.normalizeMessages(messages)).toEqual(messages);
  });

  it("keeps the first message's other fields when merging", () => {
    expect(
      adapter.normalizeMessages([
        { role: "user", content: "a", name: "ann" },
        { role: "user", content: "b", name: "bob" },
      ]),
    ).toEqual([{ role: "user", content: "a\n\nb", name: "ann" }]);
  });

  it("never mutates its input", () => {
    const messages: Message[] = [toolResult("a", "1"), { role: "user", content: "x" }, { role: "user", content: "y" }];
    const copy = structuredClone(messages);
    adapter.normalizeMessages(messages);
    expect(messages).toEqual(copy);
  });

  it("has no response hook", () => {
    expect(adapter.normalizeResponse).toBeUndefined();
  });
});
