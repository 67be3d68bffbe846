/**
 * The fields of a provider's answer that no schema can be trusted for: tool-call arguments (a
 * JSON string that may be empty or broken) and reasoning, which servers send under
 * non-standard names. Read here for the non-streamed, streamed and Responses paths alike.
 */

/** How the parsers report what they replaced or dropped. */
export type Warn = (message: string, details?: Record<string, unknown>) => void;

/**
 * Tool-call arguments arrive as a JSON string. Empty means "no arguments" ({}); anything
 * that is not a JSON object is replaced by {} and reported, never passed on half-parsed.
 */
export function parseToolArguments(text: string | undefined, tool: string, warn: Warn): Record<string, unknown> {
  if (text === undefined || text.trim() === "") return {};
  try {
    const value: unknown = JSON.parse(text);
    if (value !== null && typeof value === "object" && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // fall through to the warning below
  }
  warn("malformed tool-call arguments replaced by {}", { tool, arguments: text.slice(0, 200) });
  return {};
}

interface ReasoningFields {
  readonly reasoning_content?: unknown;
  readonly reasoning?: unknown;
}

function nonEmptyText(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

/**
 * A whole message's reasoning: `reasoning_content` (DeepSeek, vLLM) or `reasoning` (Ollama).
 * A `reasoning_content` that is present but empty or not text hides `reasoning`.
 */
export function readMessageReasoning(message: object): string | undefined {
  const fields = message as ReasoningFields;
  return nonEmptyText(fields.reasoning_content ?? fields.reasoning);
}

/**
 * A streamed delta's reasoning: `reasoning_content` (DeepSeek, vLLM, llama.cpp) or `reasoning`
 * (Ollama, OpenRouter). Some servers send both with the same text, so one is taken, the
 * canonical one first, never both; an empty `reasoning_content` does not hide `reasoning`.
 */
export function readDeltaReasoning(delta: object): string {
  const fields = delta as ReasoningFields;
  return nonEmptyText(fields.reasoning_content) ?? nonEmptyText(fields.reasoning) ?? "";
}
