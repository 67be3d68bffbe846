import type { TokenUsage } from "../../core/agent-response.ts";
import type { ProviderResult } from "../../core/chat-provider.ts";

/** What to publish on `agent.stream.<request_id>` for one chunk; either may be "". */
export interface StreamDeltas {
  contentDelta: string;
  reasoningDelta: string;
}

/** What a stream had produced when it broke; reported with the error, never as a success. */
export interface StreamPartial {
  content: string;
  reasoning: string;
  usage: TokenUsage;
}

interface OutcomeBase {
  /** Held-back bytes released at the end (a `<` that never became a tag): publish before done. */
  finalDeltas: StreamDeltas;
  /** now() at the first non-empty content or reasoning delta; undefined when none came. */
  firstTokenAtMs: number | undefined;
}

export type StreamOutcome =
  | (OutcomeBase & { ok: true; result: ProviderResult })
  /** Why the stream does not count as an answer: "no finish_reason" (chat), "no terminal event" (Responses). */
  | (OutcomeBase & { ok: false; reason: string; partial: StreamPartial });

/**
 * One provider stream folded event by event into what a non-streamed call returns, saying
 * after each event what to publish. Chat Completions and the Responses API each have one.
 */
export interface StreamFold<Event> {
  push(event: Event): StreamDeltas;
  /** The model has started answering (text, reasoning or a tool call): the first-token timer stops. */
  started(event: Event): boolean;
  /** Ends the stream: a success only when the provider said it was done. */
  finish(): StreamOutcome;
  /** What arrived so far, for the error response when the stream breaks. */
  partial(): StreamPartial;
}
