import type { ChatCompletionMessageParam } from "openai/resources/chat/completions";

/** `name` is not in the SDK's tool-message type, but Gemini and others need it. */
type NamedToolMessage = Extract<ChatCompletionMessageParam, { role: "tool" }> & { name?: string };

export const unknownToolName = "unknown_tool";

function isEmptyContent(content: unknown): boolean {
  return content === undefined || content === null || content === "" || (Array.isArray(content) && content.length === 0);
}

/**
 * The per-message fixes of the generic and Gemini adapters (reference §4.6): a tool result
 * without a name gets "unknown_tool" (Gemini rejects a nameless function response), and an
 * assistant turn that only calls tools gets content " " (several servers reject null/"").
 */
export function applyMessageFallbacks(message: ChatCompletionMessageParam): ChatCompletionMessageParam {
  if (message.role === "tool") {
    const named = message as NamedToolMessage;
    return named.name ? message : ({ ...named, name: unknownToolName } as NamedToolMessage);
  }
  if (message.role === "assistant" && (message.tool_calls?.length ?? 0) > 0 && isEmptyContent(message.content)) {
    return { ...message, content: " " };
  }
  return message;
}
