import type { ToolCall } from "../../core/agent-request.ts";
import type { TokenUsage } from "../../core/agent-response.ts";
import type { ProviderResult } from "../../core/chat-provider.ts";
import type { ProviderAdapter } from "../provider-adapters.ts";
import { mapFinishReason } from "../map-finish-reason.ts";
import { parseToolArguments, type Warn } from "../provider-message-fields.ts";
import type { CollectedToolCall } from "./tool-call-collector.ts";

export interface StreamResultParts {
  readonly content: string;
  readonly reasoning: string;
  readonly finishReason: string;
  readonly usage: TokenUsage;
  readonly providerModel: string;
  readonly toolCalls: readonly CollectedToolCall[];
  readonly adapter: ProviderAdapter;
  readonly warn: Warn;
}

function parseCalls(calls: readonly CollectedToolCall[], warn: Warn): ToolCall[] {
  return calls.map((call) => ({
    id: call.id,
    name: call.name,
    arguments: parseToolArguments(call.arguments, call.name, warn),
  }));
}

/**
 * The same result a non-streamed call would give (parseChatCompletion's rules): `length`
 * drops tool calls, since their arguments may be cut off; status from the finish reason.
 */
export function buildStreamResult(parts: StreamResultParts): ProviderResult {
  let toolCalls = parseCalls(parts.toolCalls, parts.warn);
  if (parts.finishReason === "length" && toolCalls.length > 0) {
    parts.warn("dropping tool calls truncated by length", { count: toolCalls.length });
    toolCalls = [];
  }

  const message: ProviderResult["message"] = { role: "assistant" };
  if (parts.content) message.content = parts.content;
  if (parts.reasoning) message.reasoning_content = parts.reasoning;
  if (toolCalls.length > 0) message.tool_calls = toolCalls;

  const result: ProviderResult = {
    status: mapFinishReason(parts.finishReason, toolCalls.length > 0),
    finishReason: parts.finishReason,
    message,
    usage: { ...parts.usage },
    providerModel: parts.providerModel,
  };
  return parts.adapter.normalizeResponse?.(result, parts.toolCalls) ?? result;
}
