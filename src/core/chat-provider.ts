import type { AgentRequest } from "./agent-request.ts";
import type { ResponseMessage, ResponseStatus, TokenUsage } from "./agent-response.ts";

/** What one successful provider call produced, already mapped to our wire terms. */
export interface ProviderResult {
  status: Exclude<ResponseStatus, "error">;
  finishReason: string;
  message: ResponseMessage;
  usage: TokenUsage;
  providerModel: string;
  /** Set when the answer was streamed. */
  streamStats?: { readonly firstTokenMs: number | undefined; readonly chunks: number };
}

/** Text that arrived from a streaming provider, ready to pass on (think tags already split). */
export interface StreamDelta {
  readonly contentDelta: string;
  readonly reasoningDelta: string;
}

export interface ProviderCallOptions {
  readonly signal: AbortSignal;
  /** Time left for this attempt; the provider client uses it as its own timeout. */
  readonly timeoutMs: number;
  readonly warn: (message: string, details?: Record<string, unknown>) => void;
  /** Stream from the provider (SSE) and report deltas as they arrive. */
  readonly stream?: boolean | undefined;
  readonly onDelta?: ((delta: StreamDelta) => void) | undefined;
  /** Streaming: the attempt fails (retryably) when no token arrives within this time. */
  readonly firstTokenTimeoutMs?: number | undefined;
  /** Sent with this call only: the W3C `traceparent` of the attempt's span when tracing is on. */
  readonly headers?: Readonly<Record<string, string>> | undefined;
}

/**
 * The port the pipeline calls. One implementation per wire protocol (the `openai` SDK);
 * failures are thrown as ModelbusError, classified where they enter.
 */
export interface ChatProvider {
  complete(endpointName: string, request: AgentRequest, options: ProviderCallOptions): Promise<ProviderResult>;
}
