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
  | (OutcomeBase & { ok: false; reason: "no finish_reason"; partial: StreamPartial });
