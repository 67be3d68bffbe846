/** Renders a MockReply as a non-streaming OpenAI `chat.completion` object. */
import type { MockCompletionMeta, MockReply } from "./build-mock-reply.ts";

export function mockCompletionBody(reply: MockReply, meta: MockCompletionMeta): Record<string, unknown> {
  const message: Record<string, unknown> = { role: "assistant", content: reply.content };
  if (reply.toolCalls.length > 0) {
    message.tool_calls = reply.toolCalls.map((call) => ({
      id: call.id,
      type: "function",
      function: { name: call.name, arguments: call.arguments },
      ...(call.thoughtSignature ? { extra_content: { google: { thought_signature: call.thoughtSignature } } } : {}),
    }));
  }
  if (reply.reasoningContent !== undefined) message.reasoning_content = reply.reasoningContent;
  return {
    id: meta.id,
    object: "chat.completion",
    created: meta.created,
    model: meta.model,
    choices: [{ index: 0, message, finish_reason: reply.finishReason }],
    usage: reply.usage,
  };
}
