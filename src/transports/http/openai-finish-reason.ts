import type { AgentResponse } from "../../core/agent-response.ts";

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
