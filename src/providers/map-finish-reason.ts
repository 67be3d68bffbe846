import type { ResponseStatus } from "../core/agent-response.ts";

/**
 * semstreams' mapping (docs/nats-contract.md, "Status mapping"): length → length_truncated; tool calls present
 * (and not truncated) → tool_call, even when the provider says "stop"; everything else,
 * including an empty reason, → complete.
 */
export function mapFinishReason(finishReason: string | null | undefined, hasToolCalls: boolean): Exclude<ResponseStatus, "error"> {
  if (finishReason === "length") return "length_truncated";
  if (hasToolCalls || finishReason === "tool_calls") return "tool_call";
  return "complete";
}
