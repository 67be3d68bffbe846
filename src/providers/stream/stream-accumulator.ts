import type { ChatCompletionChunk } from "openai/resources/chat/completions";
import { zeroUsage, type TokenUsage } from "../../core/agent-response.ts";
import type { ProviderAdapter } from "../provider-adapters.ts";
import { ThinkTagSplitter } from "../think-tags/think-tag-splitter.ts";
import { buildStreamResult } from "./build-stream-result.ts";
import { readDeltaReasoning } from "../provider-message-fields.ts";
import type { StreamDeltas, StreamFold, StreamOutcome, StreamPartial } from "./stream-outcome.ts";
import { ToolCallCollector } from "./tool-call-collector.ts";

export interface StreamAccumulatorOptions {
  readonly adapter: ProviderAdapter;
  readonly warn: (message: string, details?: Record<string, unknown>) => void;
  /** Clock for time-to-first-token, in ms. */
  readonly now?: () => number;
}

function readUsage(usage: ChatCompletionChunk["usage"]): TokenUsage | undefined {
  if (usage === null || typeof usage !== "object") return undefined;
  return { prompt_tokens: usage.prompt_tokens ?? 0, completion_tokens: usage.completion_tokens ?? 0 };
}

/**
 * Folds a Chat Completions stream, chunk by chunk, into what a non-streamed call returns
 * (docs/nats-contract.md, "Streaming"), and says after each chunk what to publish. Content goes through the
 * think-tag splitter; only choice 0 counts (modelbus never asks for n > 1).
 */
export class StreamAccumulator implements StreamFold<ChatCompletionChunk> {
  private readonly splitter = new ThinkTagSplitter();
  private readonly toolCalls: ToolCallCollector;
  private readonly now: () => number;
  private content = "";
  private reasoning = "";
  private finishReason = "";
  private usage = zeroUsage();
  private providerModel = "";
  private firstTokenAt: number | undefined;
  private finalDeltas: StreamDeltas | undefined;

  constructor(private readonly options: StreamAccumulatorOptions) {
    this.toolCalls = new ToolCallCollector(options.adapter);
    this.now = options.now ?? Date.now;
  }

  /** now() when the first content or reasoning arrived. */
  get firstTokenAtMs(): number | undefined {
    return this.firstTokenAt;
  }

  /** A token, or a tool call (which has no text to count as one). */
  started(chunk: ChatCompletionChunk): boolean {
    return this.firstTokenAt !== undefined || Boolean(chunk.choices?.[0]?.delta?.tool_calls);
  }

  push(chunk: ChatCompletionChunk): StreamDeltas {
    const deltas: StreamDeltas = { contentDelta: "", reasoningDelta: "" };
    // The usage-only chunk that closes an include_usage stream has `choices: []`.
    this.usage = readUsage(chunk.usage) ?? this.usage;
    if (typeof chunk.model === "string" && chunk.model !== "") this.providerModel = chunk.model;
    for (const choice of chunk.choices ?? []) {
      if ((choice.index ?? 0) !== 0) continue;
      if (choice.finish_reason) this.finishReason = choice.finish_reason;
      const delta = choice.delta;
      if (!delta) continue;
      deltas.reasoningDelta += readDeltaReasoning(delta);
      if (typeof delta.content === "string") {
        const split = this.splitter.push(delta.content);
        deltas.contentDelta += split.content;
        deltas.reasoningDelta += split.reasoning;
      }
      for (const call of delta.tool_calls ?? []) this.toolCalls.push(call);
    }
    return this.record(deltas);
  }

  /** Ends the stream: a success only when the provider said why it stopped. */
  finish(): StreamOutcome {
    const finalDeltas = this.end();
    const common = { finalDeltas, firstTokenAtMs: this.firstTokenAt };
    if (this.finishReason === "") return { ...common, ok: false, reason: "no finish_reason", partial: this.partial() };
    const result = buildStreamResult({
      content: this.content,
      reasoning: this.reasoning,
      finishReason: this.finishReason,
      usage: this.usage,
      providerModel: this.providerModel,
      toolCalls: this.toolCalls.sorted(),
      adapter: this.options.adapter,
      warn: this.options.warn,
    });
    return { ...common, ok: true, result };
  }

  /** What arrived so far, for the error response when the SDK throws mid-stream. */
  partial(): StreamPartial {
    this.end();
    return { content: this.content, reasoning: this.reasoning, usage: { ...this.usage } };
  }

  private end(): StreamDeltas {
    if (this.finalDeltas) return this.finalDeltas;
    const rest = this.splitter.end();
    if (rest.unclosed) this.options.warn("streaming response ended mid-<think>");
    this.finalDeltas = this.record({ contentDelta: rest.content, reasoningDelta: rest.reasoning });
    return this.finalDeltas;
  }

  private record(deltas: StreamDeltas): StreamDeltas {
    this.content += deltas.contentDelta;
    this.reasoning += deltas.reasoningDelta;
    if (this.firstTokenAt === undefined && (deltas.contentDelta !== "" || deltas.reasoningDelta !== "")) {
      this.firstTokenAt = this.now();
    }
    return deltas;
  }
}
