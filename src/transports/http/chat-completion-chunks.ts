import type { TokenUsage } from "../../core/agent-response.ts";
import { openAIUsage } from "./to-chat-completion.ts";

/** What every chunk of one streamed completion shares. */
export interface ChunkContext {
  readonly id: string;
  readonly created: number;
  readonly model: string;
  /** `stream_options.include_usage`: chunks carry `usage: null` and a last chunk carries the usage. */
  readonly includeUsage: boolean;
}

type FinishReason = "stop" | "length" | "tool_calls" | "content_filter" | null;

/**
 * One `chat.completion.chunk` with a single choice, as OpenAI streams them (no
 * `system_fingerprint`: OpenAI's schema makes it a string when present, and there is none to give).
 */
export function completionChunk(context: ChunkContext, delta: Record<string, unknown>, finishReason: FinishReason = null) {
  return {
    id: context.id,
    object: "chat.completion.chunk",
    created: context.created,
    model: context.model,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
    ...(context.includeUsage ? { usage: null } : {}),
  };
}

/** The extra last chunk of `include_usage`: no choices, the usage. */
export function usageChunk(context: ChunkContext, usage: TokenUsage) {
  return {
    id: context.id,
    object: "chat.completion.chunk",
    created: context.created,
    model: context.model,
    choices: [],
    usage: openAIUsage(usage),
  };
}
