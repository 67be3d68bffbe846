import type { ChatCompletionChunk } from "openai/resources/chat/completions";
import { describe, expect, it } from "vitest";
import { geminiAdapter, genericAdapter, type ProviderAdapter } from "../../src/providers/provider-adapters.ts";
import { StreamAccumulator } from "../../src/providers/stream/stream-accumulator.ts";
import type { StreamOutcome } from "../../src/providers/stream/stream-outcome.ts";

function chunk(delta: object, finishReason: string | null = null, extra: object = {}): ChatCompletionChunk {
  return {
    id: "chatcmpl-test",
    object: "chat.completion.chunk",
    created: 1,
    model: "test-model",
    choices: [{ index: 0, delta, finish_reason: finishReason }],
    ...extra,
  } as ChatCompletionChunk;
}

const toolDelta = (call: object) => ({ tool_calls: [call] });

function run(chunks: readonly ChatCompletionChunk[], adapter: ProviderAdapter = genericAdapter) {
  const warnings: string[] = [];
  let clock = 100;
  const accumulator = new StreamAccumulator({ adapter, warn: (message) => warnings.push(message), now: () => clock });
  const published = chunks.map((next) => {
    clock += 10;
    return accumulator.push(next);
  });
  return { outcome: accumulator.finish(), published, warnings, accumulator };
}

function resultOf(outcome: StreamOutcome) {
  if (!outcome.ok) throw new Error(`expected a result, got ${outcome.reason}`);
  return outcome.result;
}

describe("StreamAccumulator", () => {
  it("parses malformed arguments as {} with a warning, and empty arguments as {} without", () => {
    const { outcome, warnings } = run([
      chunk(toolDelta({ index: 0, id: "a", function: { name: "broken", arguments: '{"city": "Par' } })),
      chunk(toolDelta({ index: 1, id: "b", function: { name: "no_args", arguments: "" } })),
      chunk({}, "tool_calls"),
    ]);
    expect(resultOf(outcome).message.tool_calls).toEqual([
      { id: "a", name: "broken", arguments: {} },
      { id: "b", name: "no_args", arguments: {} },
    ]);
    expect(warnings).toEqual(["malformed tool-call arguments replaced by {}"]);
  });

  it("sorts calls by index, whatever order they arrived in", () => {
    const { outcome } = run([
      chunk(toolDelta({ index: 1, id: "second", function: { name: "f", arguments: "{}" } })),
      chunk(toolDelta({ index: 0, id: "first", function: { name: "g", arguments: "{}" } })),
      chunk({}, "tool_calls"),
    ]);
    expect(resultOf(outcome).message.tool_calls?.map((call) => call.id)).toEqual(["first", "second"]);
  });

  it("drops tool calls cut by length and says so", () => {
    const { outcome, warnings } = run([
      chunk({ content: "Let me" }),
      chunk(toolDelta({ index: 0, id: "a", function: { name: "f", arguments: '{"q":' } })),
      chunk({}, "length", { usage: { prompt_tokens: 5, completion_tokens: 9, total_tokens: 14 } }),
    ]);
    expect(resultOf(outcome)).toMatchObject({ status: "length_truncated", finishReason: "length", usage: { prompt_tokens: 5, completion_tokens: 9 } });
    expect(resultOf(outcome).message).toEqual({ role: "assistant", content: "Let me" });
    expect(warnings).toContain("dropping tool calls truncated by length");
  });

  it("keeps the last non-empty finish reason", () => {
    const { outcome } = run([chunk({ content: "x" }, "stop"), chunk({}, null), chunk({}, "")]);
    expect(resultOf(outcome).finishReason).toBe("stop");
  });

  it("fails a stream that never said why it stopped, with what it had", () => {
    const { outcome } = run([chunk({ reasoning_content: "hmm" }), chunk({ content: "Hal" }, null, { usage: { prompt_tokens: 3, completion_tokens: 2 } })]);
    expect(outcome).toEqual({
      ok: false,
      reason: "no finish_reason",
      partial: { content: "Hal", reasoning: "hmm", usage: { prompt_tokens: 3, completion_tokens: 2 } },
      finalDeltas: { contentDelta: "", reasoningDelta: "" },
      firstTokenAtMs: 110,
    });
  });

  it("takes reasoning from reasoning_content or reasoning, never both", () => {
    const { outcome, published } = run([
      chunk({ reasoning_content: "a", reasoning: "a" }),
      chunk({ reasoning: "b" }),
      chunk({ reasoning_content: "", reasoning: "c" }),
      chunk({ reasoning_content: null, content: "done" }, "stop"),
    ]);
    expect(resultOf(outcome).message.reasoning_content).toBe("abc");
    expect(published.map((deltas) => deltas.reasoningDelta)).toEqual(["a", "b", "c", ""]);
  });

  it("routes think tags split across chunks, warns on an unclosed block and flushes it at the end", () => {
    const { outcome, published, warnings } = run([chunk({ content: "Hi <thi" }), chunk({ content: "nk>plan</thi" }), chunk({}, "stop")]);
    expect(published).toEqual([
      { contentDelta: "Hi ", reasoningDelta: "" },
      { contentDelta: "", reasoningDelta: "plan" },
      { contentDelta: "", reasoningDelta: "" },
    ]);
    expect(outcome.finalDeltas).toEqual({ contentDelta: "", reasoningDelta: "</thi" });
    expect(resultOf(outcome).message).toEqual({ role: "assistant", content: "Hi ", reasoning_content: "plan</thi" });
    expect(warnings).toEqual(["streaming response ended mid-<think>"]);
  });

  it("releases a held-back partial tag as content at the end", () => {
    const { outcome } = run([chunk({ content: "a <th" }, "stop")]);
    expect(outcome.finalDeltas).toEqual({ contentDelta: "<th", reasoningDelta: "" });
    expect(resultOf(outcome).message.content).toBe("a <th");
  });

  it("takes usage from whichever chunk carries it, the usage-only one included", () => {
    const { outcome } = run([
      chunk({ content: "x" }, null, { usage: { prompt_tokens: 1, completion_tokens: 1 } }),
      chunk({}, "stop", { usage: null }),
      { ...chunk({}), choices: [], usage: { prompt_tokens: 7, completion_tokens: 3, total_tokens: 10 } },
    ]);
    expect(resultOf(outcome).usage).toEqual({ prompt_tokens: 7, completion_tokens: 3 });
  });

  it("reads only choice 0", () => {
    const other = { ...chunk({}), choices: [{ index: 1, delta: { content: "other" }, finish_reason: "stop" }] } as ChatCompletionChunk;
    const { outcome } = run([chunk({ content: "mine" }), other]);
    expect(outcome.ok).toBe(false);
  });

  it("stamps time-to-first-token on the first content or reasoning, not on tool calls or empty deltas", () => {
    const { accumulator } = run([
      chunk({ role: "assistant", content: "" }),
      chunk(toolDelta({ index: 0, id: "a", function: { name: "f", arguments: "{}" } })),
      chunk({ reasoning_content: "r" }),
      chunk({ content: "c" }, "stop"),
    ]);
    expect(accumulator.firstTokenAtMs).toBe(130);
  });

  it("merges fragments by index: id and name overwrite only when non-empty, arguments concatenate", () => {
    const { outcome } = run([
      chunk(toolDelta({ index: 0, id: "call_1", type: "function", function: { name: "get_weather", arguments: "" } })),
      chunk(toolDelta({ index: 0, id: "", function: { name: "", arguments: '{"city":' } })),
      chunk(toolDelta({ index: 0, function: { arguments: '"Oslo"}' } })),
      chunk({}, "tool_calls"),
    ]);
    expect(resultOf(outcome).message.tool_calls).toEqual([{ id: "call_1", name: "get_weather", arguments: { city: "Oslo" } }]);
  });

  it("keeps index-less calls apart and joins fragments that repeat their id (generic)", () => {
    const { outcome } = run([
      chunk(toolDelta({ id: "a", function: { name: "f", arguments: '{"n":' } })),
      chunk(toolDelta({ id: "a", function: { arguments: "1}" } })),
      chunk(toolDelta({ id: "b", function: { name: "g", arguments: "{" } })),
      chunk(toolDelta({ function: { arguments: '"m":2}' } })),
      chunk({}, "tool_calls"),
    ]);
    expect(resultOf(outcome).message.tool_calls).toEqual([
      { id: "a", name: "f", arguments: { n: 1 } },
      { id: "b", name: "g", arguments: { m: 2 } },
    ]);
  });

  it("never collapses Gemini's whole calls, even without ids, and captures their signatures", () => {
    const signature = (value: string) => ({ google: { thought_signature: value } });
    const { outcome } = run(
      [
        chunk({
          tool_calls: [
            { id: "x1", function: { name: "f", arguments: '{"a":1}' }, extra_content: signature("U0lHMQ==") },
            { function: { name: "f", arguments: '{"a":2}' } },
          ],
        }),
        chunk(toolDelta({ function: { name: "g", arguments: "{}" } }), "stop"),
      ],
      geminiAdapter,
    );
    const result = resultOf(outcome);
    expect(result.message.tool_calls?.map((call) => [call.name, call.arguments])).toEqual([
      ["f", { a: 1 }],
      ["f", { a: 2 }],
      ["g", {}],
    ]);
    expect(result.message.reasoning_records).toEqual([
      { provider: "google", opaque: Buffer.from("U0lHMQ==").toString("base64"), carrier_kind: "tool_call", tool_call_id: "x1" },
    ]);
    expect(result.status).toBe("tool_call");
  });

  it("reports partial output after a mid-stream error without publishing more", () => {
    const warnings: string[] = [];
    const accumulator = new StreamAccumulator({ adapter: genericAdapter, warn: (message) => warnings.push(message) });
    accumulator.push(chunk({ content: "<think>a" }, null, { usage: { prompt_tokens: 4, completion_tokens: 1 } }));
    expect(accumulator.partial()).toEqual({ content: "", reasoning: "a", usage: { prompt_tokens: 4, completion_tokens: 1 } });
    expect(warnings).toEqual(["streaming response ended mid-<think>"]);
  });
});
