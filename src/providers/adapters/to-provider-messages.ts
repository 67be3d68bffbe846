import type { ChatCompletionMessageParam } from "openai/resources/chat/completions";
import type { ChatMessage } from "../../core/agent-request.ts";
import type { ProviderAdapter } from "./provider-adapter.ts";

/**
 * The request-side hook order for buildChatParams: convert each of our messages, let the
 * adapter re-attach carriers while it can still see the message's reasoning records, then
 * normalize the whole list (collapsing needs neighbours).
 */
export function toProviderMessages(
  messages: readonly ChatMessage[],
  adapter: ProviderAdapter,
  toMessageParam: (message: ChatMessage) => ChatCompletionMessageParam,
): ChatCompletionMessageParam[] {
  return adapter.normalizeMessages(messages.map((message) => adapter.attachCarriers(toMessageParam(message), message)));
}
