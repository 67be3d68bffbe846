import type { ToolCall } from "../../core/agent-request.ts";
import type { AgentResponse, TokenUsage } from "../../core/agent-response.ts";

/**
 * OpenAI's finish_reason from our status: tool calls and truncation follow the status
 * (the status mapping already decided them); a complete answer keeps the provider's
 * reason when OpenAI knows it (content_filter), else "stop".
 */
export function openAIFinishReason(response: Pick<AgentResponse, "status" | "finish_reason">): "stop" | "length" | "tool_calls" | "content_filter" {
  switch (response.status) {
    case "tool_call":
      return "tool_calls";
    case "length_truncated":
      return "length";
    case "complete":
    case "error":
      return response.finish_reason === "content_filter" ? "content_filter" : "stop";
  }
}

export const completionId = (requestId: string) => `chatcmpl-${requestId}`;

export function openAIUsage(usage: TokenUsage) {
  return { prompt_tokens: usage.prompt_tokens, completion_tokens: usage.completion_tokens, total_tokens: usage.prompt_tokens + usage.completion_tokens };
}

/** Tool calls in OpenAI's shape: arguments are a JSON string again. */
export function openAIToolCalls(calls: readonly ToolCall[] | undefined) {
  return (calls ?? []).map((call) => ({
    id: call.id,
    type: "function" as const,
    function: { name: call.name, arguments: JSON.stringify(call.arguments ?? {}) },
  }));
}

/**
 * An AgentResponse (not an error) as OpenAI's `chat.completion`, naming the model the client
 * asked for; no `system_fingerprint` (a string when present in OpenAI's schema; we have none).
 */
export function toChatCompletion(response: AgentResponse, model: string, created: number) {
  const { message } = response;
  const toolCalls = openAIToolCalls(message.tool_calls);
  const content = message.content ? message.content : toolCalls.length > 0 ? null : "";
  return {
    id: completionId(response.request_id),
    object: "chat.completion",
    created,
    model,
    choices: [
      {
        index: 0,
        message: {
          role: "assistant",
          content,
          refusal: null,
          ...(message.reasoning_content ? { reasoning_content: message.reasoning_content } : {}),
          ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
        },
        logprobs: null,
        finish_reason: openAIFinishReason(response),
      },
    ],
    usage: openAIUsage(response.token_usage),
  };
}
