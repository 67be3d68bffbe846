import type { ErrorCode } from "./error-codes.ts";
import type { ModelbusError } from "./modelbus-error.ts";
import type { ReasoningRecord, ToolCall } from "./agent-request.ts";

export type ResponseStatus = "complete" | "tool_call" | "length_truncated" | "error";

export interface TokenUsage {
  prompt_tokens: number;
  completion_tokens: number;
}

/** The assistant message as published; `role` is "" on errors, as semstreams emits. */
export interface ResponseMessage {
  role: "assistant" | "";
  content?: string;
  reasoning_content?: string;
  tool_calls?: ToolCall[];
  reasoning_records?: ReasoningRecord[];
}

/**
 * AgentResponse (reference-semstreams.md §1.9). Field order matches the Go encoder so a
 * byte-level diff against semstreams output stays small; our additions come last.
 */
export interface AgentResponse {
  request_id: string;
  status: ResponseStatus;
  finish_reason?: string;
  message: ResponseMessage;
  error?: string;
  token_usage: TokenUsage;
  retry_count?: number;
  endpoint?: string;
  provider_model?: string;
  latency_ms?: number;
  error_code?: ErrorCode;
}

export const zeroUsage = (): TokenUsage => ({ prompt_tokens: 0, completion_tokens: 0 });

/** Prices per million tokens, as an endpoint's `input_price_per_1m_tokens` / `output_price_per_1m_tokens` give them. */
export interface PricesPerMillion {
  readonly input: number;
  readonly output: number;
}

/** What a call's usage cost at those prices: the stored inference's `cost`, and a budget's charge. */
export function usageCost(usage: TokenUsage, prices: PricesPerMillion): number {
  return (usage.prompt_tokens * prices.input + usage.completion_tokens * prices.output) / 1_000_000;
}

/** Builds the `error` response for a request; provider failures never become exceptions. */
export function errorResponse(
  requestId: string,
  error: Pick<ModelbusError, "code" | "message">,
  extra: Partial<Pick<AgentResponse, "retry_count" | "endpoint" | "provider_model" | "latency_ms" | "token_usage">> = {},
): AgentResponse {
  const response: AgentResponse = {
    request_id: requestId,
    status: "error",
    message: { role: "" },
    error: error.message,
    token_usage: extra.token_usage ?? zeroUsage(),
  };
  if (extra.retry_count) response.retry_count = extra.retry_count;
  if (extra.endpoint !== undefined) response.endpoint = extra.endpoint;
  if (extra.provider_model !== undefined) response.provider_model = extra.provider_model;
  if (extra.latency_ms !== undefined) response.latency_ms = extra.latency_ms;
  response.error_code = error.code;
  return response;
}
