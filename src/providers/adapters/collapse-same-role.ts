import type { ChatCompletionMessageParam } from "openai/resources/chat/completions";

function hasToolCalls(message: ChatCompletionMessageParam): boolean {
  return message.role === "assistant" && (message.tool_calls?.length ?? 0) > 0;
}

function textOf(message: ChatCompletionMessageParam): string | undefined {
  const content: unknown = message.content;
  if (content === undefined || content === null) return "";
  return typeof content === "string" ? content : undefined;
}

function canMerge(previous: ChatCompletionMessageParam, next: ChatCompletionMessageParam): boolean {
  return (
    previous.role === next.role &&
    // Each tool result answers its own tool_call_id; merging would orphan one of them.
    previous.role !== "tool" &&
    previous.role !== "function" &&
    !hasToolCalls(previous) &&
    !hasToolCalls(next) &&
    // Multi-part content (images, files) has no safe text join.
    textOf(previous) !== undefined &&
    textOf(next) !== undefined
  );
}

function join(previous: string, next: string): string {
  if (previous === "") return next;
  if (next === "") return previous;
  return `${previous}\n\n${next}`;
}

/**
 * Collapses runs of same-role messages into one (docs/nats-contract.md, "Provider adapters": generic/Ollama): several
 * chat templates demand strict user/assistant alternation. Texts join with a blank line;
 * the first message of a run keeps its other fields.
 */
export function collapseSameRole(messages: readonly ChatCompletionMessageParam[]): ChatCompletionMessageParam[] {
  const out: ChatCompletionMessageParam[] = [];
  for (const message of messages) {
    const previous = out.at(-1);
    if (previous && canMerge(previous, message)) {
      const content = join(textOf(previous) ?? "", textOf(message) ?? "");
      out[out.length - 1] = { ...previous, content } as ChatCompletionMessageParam;
    } else {
      out.push(message);
    }
  }
  return out;
}
