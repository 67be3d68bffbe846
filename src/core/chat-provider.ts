import type { AgentRequest } from "./agent-request.ts";
import type { ResponseMessage, ResponseStatus, TokenUsage } from "./agent-response.ts";

/** What one successful provider call produced, already mapped to our wire terms. */
export interface ProviderResult {
  status: Exclude<ResponseStatus, "error">;
  finishReason: string;
  message: ResponseMessage;
  usage: TokenUsage;
  providerModel: string;
}

export interface ProviderCallOptions {
  readonly signal: AbortSignal;
  /** Time left for this attempt; the provider client uses it as its own timeout. */
  readonly timeoutMs: number;
  readonly warn: (message: string, details?: Record<string, unknown>) => void;
}

/**
 * The port the pipeline calls. One implementation per wire protocol (the `openai` SDK);
 * failures are thrown as ModelbusError, classified where they enter.
 */
export interface ChatProvider {
  complete(endpointName: string, request: AgentRequest, options: ProviderCallOptions): Promise<ProviderResult>;
}
