/**
 * Recorded provider streams replayed through the real `openai` SDK into StreamAccumulator,
 * whole and split at random byte boundaries: the result must not depend on how TCP cut it.
 */
import { describe, expect, it } from "vitest";
import { geminiAdapter, genericAdapter, ollamaAdapter, openAIAdapter, type ProviderAdapter } from "../../src/providers/provider-adapters.ts";
import type { StreamOutcome } from "../../src/providers/stream/stream-outcome.ts";
import { fixtureBytes, joined, replay, splitBytes } from "./stream-replay-harness.ts";

const noFinalDeltas = { contentDelta: "", reasoningDelta: "" };

interface FixtureCase {
  file: string;
  adapter: ProviderAdapter;
  expected: StreamOutcome;
  warnings?: string[];
}

const cases: FixtureCase[] = [
  {
    file: "openai-text.sse",
    adapter: openAIAdapter,
    expected: {
      ok: true,
      finalDeltas: noFinalDeltas,
      firstTokenAtMs: 2,
      result: {
        status: "complete",
        finishReason: "stop",
        message: { role: "assistant", content: "It's 18 °C and sunny in Lyon — perfect café weather 🌤️." },
        usage: { prompt_tokens: 19, completion_tokens: 12 },
        providerModel: "gpt-4o-mini-2024-07-18",
      },
    },
  },
  {
    file: "openai-parallel-tools.sse",
    adapter: openAIAdapter,
    expected: {
      ok: true,
      finalDeltas: noFinalDeltas,
      firstTokenAtMs: undefined,
      result: {
        status: "tool_call",
        finishReason: "tool_calls",
        message: {
          role: "assistant",
          tool_calls: [
            { id: "call_9Xk2LmQpR7sTvW3yZaB4cD5e", name: "get_weather", arguments: { location: "Paris, France", unit: "celsius" } },
            { id: "call_Fh6Jk8Lm0Np2Qr4St6Uv8Wx0", name: "get_local_time", arguments: { timezone: "Europe/Paris" } },
          ],
        },
        usage: { prompt_tokens: 96, completion_tokens: 52 },
        providerModel: "gpt-4o-2024-08-06",
      },
    },
  },
  {
    file: "gemini-parallel-tools.sse",
    adapter: geminiAdapter,
    expected: {
      ok: true,
      finalDeltas: noFinalDeltas,
      firstTokenAtMs: 1,
      result: {
        // Gemini says "stop" even when it calls tools; the calls decide the status.
        status: "tool_call",
        finishReason: "stop",
        message: {
          role: "assistant",
          content: "I'll check both cities and the time.",
          tool_calls: [
            { id: "function-call-9284710345127734901", name: "get_weather", arguments: { city: "London" } },
            { id: "function-call-9284710345127734902", name: "get_weather", arguments: { city: "Paris" } },
            { id: "function-call-9284710345127734903", name: "get_utc_time", arguments: {} },
          ],
          reasoning_records: [
            {
              provider: "google",
              opaque: Buffer.from("CsMCAdHtim9Nq0XvO1cX2bQm8e3RkP4ZWk5GdVJpUzNqTmxhR1Z6WkdGMFlTQnZaaUJzYjI1a2IyNA==").toString("base64"),
              carrier_kind: "tool_call",
              tool_call_id: "function-call-9284710345127734901",
            },
            {
              provider: "google",
              opaque: Buffer.from("EpQBAdHtim8yT3pLq0wZc1VbR2FyYVhOcGRtVnNlU0JwYmlCd1lYSnBjdz09").toString("base64"),
              carrier_kind: "tool_call",
              tool_call_id: "function-call-9284710345127734902",
            },
            {
              provider: "google",
              opaque: Buffer.from("Ep0BAdHtim+aZ9VdXJjYUhOcGJtY2dkR2x0WlNCcGJpQjFkR009").toString("base64"),
              carrier_kind: "tool_call",
              tool_call_id: "function-call-9284710345127734903",
            },
          ],
        },
        usage: { prompt_tokens: 112, completion_tokens: 47 },
        providerModel: "gemini-3-pro-preview",
      },
    },
  },
  {
    file: "ollama-tool-calls.sse",
    adapter: ollamaAdapter,
    expected: {
      ok: true,
      finalDeltas: noFinalDeltas,
      firstTokenAtMs: 1,
      result: {
        status: "tool_call",
        finishReason: "tool_calls",
        message: {
          role: "assistant",
          reasoning_content: "The user wants the weather in Oslo and Bergen, so get_weather twice.",
          tool_calls: [
            { id: "call_k3v9x2qa", name: "get_weather", arguments: { city: "Oslo", unit: "celsius" } },
            { id: "call_7hpm4wzt", name: "get_weather", arguments: { city: "Bergen", unit: "celsius" } },
          ],
        },
        usage: { prompt_tokens: 142, completion_tokens: 61 },
        providerModel: "qwen3:8b",
      },
    },
  },
  {
    file: "reasoning-content.sse",
    adapter: genericAdapter,
    expected: {
      ok: true,
      finalDeltas: noFinalDeltas,
      firstTokenAtMs: 2,
      result: {
        status: "complete",
        finishReason: "stop",
        message: {
          role: "assistant",
          content: "6 × 7 = **42**.",
          reasoning_content: "The user asks for 6 × 7. 6 × 7 = 42, easy.",
        },
        // DeepSeek puts usage on the finish chunk itself, not on a usage-only chunk.
        usage: { prompt_tokens: 14, completion_tokens: 31 },
        providerModel: "deepseek-reasoner",
      },
    },
  },
  {
    file: "think-tags-split.sse",
    adapter: genericAdapter,
    expected: {
      ok: true,
      finalDeltas: noFinalDeltas,
      firstTokenAtMs: 4,
      result: {
        status: "complete",
        finishReason: "stop",
        message: {
          role: "assistant",
          content: "\n\nYes, 2 < 3 is true; 1 << 3 is 8. <b>Done</b>",
          reasoning_content: "\nCompare 2 < 3: true.\n",
        },
        usage: { prompt_tokens: 21, completion_tokens: 28 },
        providerModel: "Qwen/QwQ-32B",
      },
    },
  },
  {
    file: "usage-only-final.sse",
    adapter: genericAdapter,
    expected: {
      ok: true,
      finalDeltas: noFinalDeltas,
      firstTokenAtMs: 2,
      result: {
        status: "complete",
        finishReason: "stop",
        message: { role: "assistant", content: "The capital of France is Paris." },
        usage: { prompt_tokens: 12, completion_tokens: 8 },
        providerModel: "openai/gpt-4o-mini",
      },
    },
  },
  {
    // The last frame is cut mid-JSON: the SDK drops it silently and the iterator just ends.
    file: "cut-off.sse",
    adapter: genericAdapter,
    expected: {
      ok: false,
      reason: "no finish_reason",
      finalDeltas: noFinalDeltas,
      firstTokenAtMs: 2,
      partial: { content: "The first three planets are Mercury, Venus", reasoning: "", usage: { prompt_tokens: 25, completion_tokens: 8 } },
    },
  },
];

const splittings = Array.from({ length: 20 }, (_, seed) => seed);

describe.each(cases)("replay $file", ({ file, adapter, expected, warnings = [] }) => {
  const bytes = fixtureBytes(file);

  it("gives the recorded result", async () => {
    const run = await replay([bytes], adapter);
    expect(run.outcome).toEqual(expected);
    expect(run.warnings).toEqual(warnings);
  });

  it("publishes deltas that add up to the final content and reasoning", async () => {
    const run = await replay([bytes], adapter);
    const final = run.outcome.ok
      ? { content: run.outcome.result.message.content ?? "", reasoning: run.outcome.result.message.reasoning_content ?? "" }
      : { content: run.outcome.partial.content, reasoning: run.outcome.partial.reasoning };
    expect(joined(run.published)).toEqual(final);
  });

  it.each(splittings)("is identical when split at random byte boundaries (seed %i; 0 = every byte)", async (seed) => {
    const whole = await replay([bytes], adapter);
    const pieces = splitBytes(bytes, seed);
    expect(pieces.length).toBeGreaterThan(1);
    expect(await replay(pieces, adapter)).toEqual(whole);
  });
});
