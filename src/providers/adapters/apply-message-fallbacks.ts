import type { ChatCompletionMessageParam } from "openai/resources/chat/completions";

/** `name` is not in the SDK's tool-message type, but Gemini and others need it. */
type NamedToolMessage = Extract<ChatCompletionMessageParam, { role: "tool" }> & { name?: string };

export const unknownToolName = "unknown_tool";

function isEmptyContent(content: unknown): boolean {
  return content === undefined || content === null || content === "" || (Array.isArray(content) && content.length === 0);
}

/**
 * The per-message fixes of the generic and Gemini adapters (semstreams' GenericAdapter): a
 * tool result without a name gets "unknown_tool" (Gemini rejects a nameless function
 * response), and an assistant turn that only calls tools gets content " " (several servers
 * reject null/""). A call with an empty function name, which the loop keeps in its history
 * and answers with a synthetic tool message, is sent as "unknown_tool" too: the servers that
 * need a tool message's name refuse an empty function name as well.
 */
export function applyMessageFallbacks(message: ChatCompletionMessageParam): ChatCompletionMessageParam {
  if (message.role === "tool") {
    const named = message as NamedToolMessage;
    return named.name ? message : ({ ...named, name: unknownToolName } as NamedToolMessage);
  }
  if (message.role !== "assistant" || (message.tool_calls?.length ?? 0) === 0) return message;
  const calls = message.tool_calls ?? [];
  const named = calls.some((call) => call.type === "function" && call.function.name === "")
    ? calls.map((call) => (call.type === "function" && call.function.name === "" ? { ...call, function: { ...call.function, name: unknownToolName } } : call))
    : calls;
  const emptyContent = isEmptyContent(message.content);
  if (named === calls && !emptyContent) return message;
  return { ...message, ...(emptyContent ? { content: " " } : {}), tool_calls: named };
}
