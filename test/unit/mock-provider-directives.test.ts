/** The mock's default behaviour choice and inline `[mock:…]` directives, as pure functions. */
import { describe, expect, it } from "vitest";
import { chooseMockBehaviour, defaultMockAnswer, parseMockDirectives } from "../../src/providers/mock/choose-mock-behaviour.ts";
import { mockBehaviourSchema } from "../../src/providers/mock/mock-behaviour.ts";
import { parseMockChatRequest, type MockChatRequest } from "../../src/providers/mock/parse-mock-chat-request.ts";
import { plausibleToolArguments } from "../../src/providers/mock/plausible-tool-arguments.ts";

const weatherTool = {
  type: "function",
  function: { name: "get_weather", parameters: { type: "object", properties: { location: { type: "string" } } } },
};

function request(body: Record<string, unknown>): MockChatRequest {
  const parsed = parseMockChatRequest({ model: "m", ...body });
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.request;
}

function userSays(content: string, extra: Record<string, unknown> = {}): MockChatRequest {
  return request({ messages: [{ role: "user", content }], ...extra });
}

describe("parseMockDirectives", () => {
  it("reads names, values and extra key=value pairs from every token", () => {
    const directives = parseMockDirectives("a [mock:error=429,retry_after=1] b [mock:delay=200][mock:think]");
    expect(Object.fromEntries(directives)).toEqual({ error: "429", retry_after: "1", delay: "200", think: "" });
  });

  it("finds nothing in ordinary text", () => {
    expect(parseMockDirectives("what is [the] weather? mock: no").size).toBe(0);
  });
});

describe("chooseMockBehaviour", () => {
  it("answers text from the last user message, without directives, capped at 200 chars", () => {
    expect(chooseMockBehaviour(userSays("hello"))).toEqual({ kind: "text", content: "mock answer: hello", finish_reason: "stop" });
    expect(defaultMockAnswer(userSays("[mock:delay=5] hi "))).toBe("mock answer: hi");
    expect(defaultMockAnswer(userSays("x".repeat(500)))).toBe(`mock answer: ${"x".repeat(200)}`);
  });

  it("reads text parts of array content", () => {
    const req = request({
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "part one" },
            { type: "text", text: " two" },
          ],
        },
      ],
    });
    expect(defaultMockAnswer(req)).toBe("mock answer: part one two");
  });

  it("calls the first tool when tools exist and the user mentions weather or tool", () => {
    expect(chooseMockBehaviour(userSays("How is the Weather?", { tools: [weatherTool] }))).toEqual({ kind: "tool_call" });
    expect(chooseMockBehaviour(userSays("use a tool", { tools: [weatherTool] })).kind).toBe("tool_call");
    expect(chooseMockBehaviour(userSays("how is the weather?")).kind).toBe("text");
    expect(chooseMockBehaviour(userSays("hello", { tools: [weatherTool] })).kind).toBe("text");
  });

  it("answers text once the last message is a tool result, ending an agent loop", () => {
    const req = request({
      tools: [weatherTool],
      messages: [
        { role: "user", content: "weather in London? [mock:tool]" },
        { role: "assistant", content: null, tool_calls: [{ id: "c1", type: "function", function: { name: "get_weather", arguments: "{}" } }] },
        { role: "tool", tool_call_id: "c1", content: "sunny" },
      ],
    });
    expect(chooseMockBehaviour(req)).toMatchObject({ kind: "text", content: "mock answer: weather in London?" });
  });

  it("follows [mock:tool] only when the request has tools", () => {
    expect(chooseMockBehaviour(userSays("go [mock:tool]", { tools: [weatherTool] })).kind).toBe("tool_call");
    expect(chooseMockBehaviour(userSays("go [mock:tool]")).kind).toBe("text");
  });

  it("maps error, retry_after, retry_after_ms and delay directives", () => {
    expect(chooseMockBehaviour(userSays("[mock:error=429,retry_after=1,retry_after_ms=250][mock:delay=20]"))).toMatchObject({
      kind: "error",
      status: 429,
      retry_after: "1",
      retry_after_ms: 250,
      delay_ms: 20,
    });
    expect(chooseMockBehaviour(userSays("[mock:error=abc]"))).toMatchObject({ kind: "error", status: 500 });
    expect(chooseMockBehaviour(userSays("[mock:error=200]"))).toMatchObject({ kind: "error", status: 500 });
  });

  it("maps length, think, delay, hang, close and cut", () => {
    const long = chooseMockBehaviour(userSays("abcdefghijklmnopqrstuvwxyz [mock:length]"));
    expect(long).toEqual({ kind: "text", content: "mock answer: abcdefg", finish_reason: "length" });
    const think = chooseMockBehaviour(userSays("why? [mock:think]"));
    expect(think).toMatchObject({ kind: "text", finish_reason: "stop" });
    expect(think.kind === "text" ? think.content : "").toMatch(/^<think>[^<]+<\/think>mock answer: why\?$/);
    expect(chooseMockBehaviour(userSays("[mock:delay=200] hi"))).toMatchObject({ kind: "text", delay_ms: 200 });
    expect(chooseMockBehaviour(userSays("[mock:hang]"))).toEqual({ kind: "hang" });
    expect(chooseMockBehaviour(userSays("[mock:close]"))).toEqual({ kind: "close" });
    expect(chooseMockBehaviour(userSays("[mock:cut]")).kind).toBe("stream_cut");
  });

  it("maps chunks and chunk_ms to a content of that many pieces, paced", () => {
    expect(chooseMockBehaviour(userSays("[mock:chunks=3,chunk_ms=5] hi"))).toEqual({
      kind: "text",
      content: "t000001 t000002 t000003 ",
      finish_reason: "stop",
      chunk_ms: 5,
    });
    expect(chooseMockBehaviour(userSays("[mock:chunk_ms=5] hi"))).toEqual({ kind: "text", content: "mock answer: hi", finish_reason: "stop", chunk_ms: 5 });
    expect(chooseMockBehaviour(userSays("[mock:chunks=2]"))).toEqual({ kind: "text", content: "t000001 t000002 ", finish_reason: "stop" });
    expect(mockBehaviourSchema.safeParse({ kind: "text", chunk_ms: 0 }).success).toBe(false);
  });
});

describe("plausibleToolArguments", () => {
  it("fills location with London and required properties by type", () => {
    expect(JSON.parse(plausibleToolArguments(weatherTool.function.parameters))).toEqual({ location: "London" });
    const schema = {
      type: "object",
      properties: { query: { type: "string" }, limit: { type: "integer" }, unit: { type: "string", enum: ["c", "f"] }, note: { type: "string" } },
      required: ["query", "limit", "unit"],
    };
    expect(JSON.parse(plausibleToolArguments(schema))).toEqual({ query: "example", limit: 1, unit: "c" });
    expect(plausibleToolArguments(undefined)).toBe("{}");
  });
});

describe("mockBehaviourSchema", () => {
  it("accepts every kind and rejects unknown kinds and fields", () => {
    for (const behaviour of [
      { kind: "text", content: "x", delay_ms: 5, usage: { prompt_tokens: 1, completion_tokens: 2 } },
      { kind: "tool_call", calls: [{ name: "f", arguments: "{bad" }] },
      { kind: "error", status: 429, retry_after: "1", retry_after_ms: 10 },
      { kind: "hang" },
      { kind: "close" },
      { kind: "stream_cut", after_chunks: 1 },
    ]) {
      expect(mockBehaviourSchema.safeParse(behaviour).success).toBe(true);
    }
    expect(mockBehaviourSchema.safeParse({ kind: "boom" }).success).toBe(false);
    expect(mockBehaviourSchema.safeParse({ kind: "text", contnet: "typo" }).success).toBe(false);
    expect(mockBehaviourSchema.safeParse({ kind: "error", status: 200 }).success).toBe(false);
  });
});
