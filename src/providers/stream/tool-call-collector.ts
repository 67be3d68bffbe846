import type { ChatCompletionChunk } from "openai/resources/chat/completions";
import type { ProviderAdapter, RawToolCall } from "../provider-adapters.ts";

type ToolCallDelta = ChatCompletionChunk.Choice.Delta.ToolCall;

/** One tool call as merged from its deltas, still with its raw argument text. */
export interface CollectedToolCall extends RawToolCall {
  readonly index: number;
  id: string;
  name: string;
  arguments: string;
  extra_content?: unknown;
}

function nonEmptyString(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

/**
 * Merges streamed tool-call deltas by index (docs/nats-contract.md, "Streaming"): id and name overwrite when
 * non-empty, argument fragments concatenate. Which call a delta belongs to is the adapter's
 * call, because providers disagree on whether they send `index` at all.
 */
export class ToolCallCollector {
  private readonly calls = new Map<number, CollectedToolCall>();
  private lastIndex = -1;

  constructor(private readonly adapter: ProviderAdapter) {}

  push(delta: ToolCallDelta): void {
    if (delta === null || typeof delta !== "object") return;
    const index = this.adapter.streamToolIndex(delta, { lastIndex: this.lastIndex, calls: this.calls });
    const call = this.calls.get(index) ?? { index, id: "", name: "", arguments: "" };
    this.calls.set(index, call);
    this.lastIndex = index;

    call.id = nonEmptyString(delta.id) ?? call.id;
    call.name = nonEmptyString(delta.function?.name) ?? call.name;
    if (typeof delta.function?.arguments === "string") call.arguments += delta.function.arguments;
    // Gemini 3 puts its thought signature here; the adapter decides what it means.
    const extraContent: unknown = (delta as { extra_content?: unknown }).extra_content;
    if (extraContent !== undefined && extraContent !== null) call.extra_content = extraContent;
  }

  /** The calls in index order, the order the model emitted them. */
  sorted(): CollectedToolCall[] {
    return [...this.calls.values()].sort((left, right) => left.index - right.index);
  }
}
