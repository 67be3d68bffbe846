/** What a complete (non-streamed) answer looks like once its think blocks are moved out. */
export interface ThinkTagExtraction {
  content: string;
  reasoning: string;
}

// Lowercase only, as semstreams' `(?s)<think>(.*?)</think>`: `[\s\S]` is the `(?s)` flag, the
// lazy body makes the first `</think>` close a block, and the leading `\s*` eats the whitespace
// before a tag so "Hello <think>x</think> world" becomes "Hello world", not "Hello  world".
const thinkBlock = /\s*<think>([\s\S]*?)<\/think>/g;

/**
 * Moves `<think>…</think>` blocks of a finished answer into reasoning (docs/nats-contract.md, "Streaming").
 * Inner texts are trimmed and joined with "\n", empty blocks add nothing; the reasoning is
 * appended to any the provider already sent. An unclosed `<think>` stays in the content: there
 * is no way to tell where the thinking would have ended.
 */
export function extractThinkTags(content: string, existingReasoning = ""): ThinkTagExtraction {
  // Fast path: most answers have no tags and must come back byte-identical (no trimming).
  if (!content.includes("<think>")) return { content, reasoning: existingReasoning };

  const thoughts: string[] = [];
  let found = false;
  const cleaned = content.replace(thinkBlock, (_block, inner: string) => {
    found = true;
    const thought = inner.trim();
    if (thought !== "") thoughts.push(thought);
    return "";
  });
  if (!found) return { content, reasoning: existingReasoning };

  const extracted = thoughts.join("\n");
  const reasoning = existingReasoning !== "" && extracted !== "" ? `${existingReasoning}\n${extracted}` : existingReasoning || extracted;
  return { content: cleaned.trim(), reasoning };
}
