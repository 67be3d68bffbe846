import type { ChatCompletionMessageParam } from "openai/resources/chat/completions";
import type { ChatMessage } from "../../core/agent-request.ts";
import type { ProviderResult } from "../../core/chat-provider.ts";

export type ReasoningRecord = NonNullable<ChatMessage["reasoning_records"]>[number];

/** The parts of a streamed tool-call delta that decide which call it belongs to. */
export interface ToolIndexDelta {
  // The SDK types `index` as required, but Gemini omits it: treat it as untrusted.
  readonly index?: number | undefined;
  readonly id?: string | undefined;
  readonly function?: { readonly name?: string | undefined } | undefined;
}

/** What the stream has merged so far, as index inference needs to see it. */
export interface ToolIndexState {
  /** Index the previous tool-call delta went to; -1 before the first. */
  readonly lastIndex: number;
  readonly calls: ReadonlyMap<number, { readonly id: string; readonly name: string }>;
}

/** A tool call as the provider sent it, carriers (e.g. Gemini's `extra_content`) included. */
export interface RawToolCall {
  readonly id: string;
  readonly extra_content?: unknown;
}

/**
 * One provider family's Chat Completions quirks (docs/nats-contract.md, "Provider adapters"). The request side runs in
 * buildChatParams: `attachCarriers` per message (it still sees our ChatMessage, reasoning
 * records included), then `normalizeMessages` over the whole list. The response side runs
 * after parsing, streamed or not.
 */
export interface ProviderAdapter {
  readonly name: "generic" | "openai" | "ollama" | "gemini";
  /** Re-attaches provider carriers kept in `source.reasoning_records`; identity for most. */
  attachCarriers(param: ChatCompletionMessageParam, source: ChatMessage): ChatCompletionMessageParam;
  /** Rewrites the outgoing messages the provider would otherwise reject; never mutates input. */
  normalizeMessages(messages: readonly ChatCompletionMessageParam[]): ChatCompletionMessageParam[];
  /** Which tool call a streamed delta continues or starts. */
  streamToolIndex(delta: ToolIndexDelta, state: ToolIndexState): number;
  /** Lifts provider carriers off the raw tool calls into the result (Gemini signatures). */
  normalizeResponse?(result: ProviderResult, rawToolCalls: readonly RawToolCall[]): ProviderResult;
}
