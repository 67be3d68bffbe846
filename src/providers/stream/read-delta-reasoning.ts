/**
 * Reasoning deltas are non-standard: `reasoning_content` (DeepSeek, vLLM, llama.cpp) or
 * `reasoning` (Ollama, OpenRouter). Some servers send both with the same text, so one is
 * taken, the canonical one first, never both.
 */
export function readDeltaReasoning(delta: object): string {
  const fields = delta as { reasoning_content?: unknown; reasoning?: unknown };
  if (typeof fields.reasoning_content === "string" && fields.reasoning_content !== "") return fields.reasoning_content;
  return typeof fields.reasoning === "string" ? fields.reasoning : "";
}
