import type { ChatCompletion } from "openai/resources/chat/completions";
import type { ToolCall } from "../core/agent-request.ts";
import type { ProviderResult } from "../core/chat-provider.ts";
import { ModelbusError } from "../core/modelbus-error.ts";
import { mapFinishReason } from "./map-finish-reason.ts";
import type { ProviderAdapter } from "./provider-adapters.ts";
import { parseToolArguments, readMessageReasoning, type Warn } from "./provider-message-fields.ts";
import { extractThinkTags } from "./think-tags/extract-think-tags.ts";

function invalid(message: string): ModelbusError {
  return new ModelbusError({ code: "E_PROVIDER_RESPONSE_INVALID", message });
}

/** Turns a Chat Completions body into our result; the body's shape is checked, not trusted. */
export function parseChatCompletion(completion: ChatCompletion, warn: Warn, adapter?: ProviderAdapter): ProviderResult {
  if (!Array.isArray(completion.choices) || completion.choices.length === 0) throw invalid("no choices in response");
  const choice = completion.choices[0];
  if (!choice?.message) throw invalid("no message in choice");
  const finishReason = choice.finish_reason ?? "";

  let toolCalls: ToolCall[] = [];
  for (const call of choice.message.tool_calls ?? []) {
    if (call.type !== "function") continue;
    toolCalls.push({
      id: call.id,
      name: call.function.name,
      arguments: parseToolArguments(call.function.arguments, call.function.name, warn),
    });
  }
  if (finishReason === "length" && toolCalls.length > 0) {
    // Never dispatch tool calls whose arguments were cut off.
    warn("dropping tool calls truncated by length", { count: toolCalls.length });
    toolCalls = [];
  }

  const message: ProviderResult["message"] = { role: "assistant" };
  // <think>…</think> blocks in the text move to reasoning_content (docs/nats-contract.md, "Streaming").
  const { content, reasoning } = extractThinkTags(choice.message.content ?? "", readMessageReasoning(choice.message) ?? "");
  if (content) message.content = content;
  if (reasoning) message.reasoning_content = reasoning;
  if (toolCalls.length > 0) message.tool_calls = toolCalls;

  const result: ProviderResult = {
    status: mapFinishReason(finishReason, toolCalls.length > 0),
    finishReason,
    message,
    usage: {
      prompt_tokens: completion.usage?.prompt_tokens ?? 0,
      completion_tokens: completion.usage?.completion_tokens ?? 0,
    },
    providerModel: completion.model,
  };
  return adapter?.normalizeResponse?.(result, choice.message.tool_calls ?? []) ?? result;
}
