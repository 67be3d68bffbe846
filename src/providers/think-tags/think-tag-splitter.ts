/** What one streamed delta turns into once think tags are routed. */
export interface SplitDelta {
  content: string;
  reasoning: string;
}

export interface SplitEnd extends SplitDelta {
  /** The stream ended inside a think block; the caller logs "streaming response ended mid-<think>". */
  unclosed: boolean;
}

const openTag = "<think>";
const closeTag = "</think>";

/** Length of the longest suffix of `text` that is a proper prefix of `tag` (a tag cut by a delta). */
function partialTagLength(text: string, tag: string): number {
  for (let length = Math.min(tag.length - 1, text.length); length > 0; length--) {
    if (text.endsWith(tag.slice(0, length))) return length;
  }
  return 0;
}

/**
 * Streaming twin of extractThinkTags (docs/nats-contract.md, "Streaming"): routes each content delta to content or
 * reasoning while a `<think>` block is open. Tags may be cut anywhere across deltas, so a tail
 * that could still become a tag is held back until the next delta decides. Nested tags are not
 * supported: the first `</think>` closes the block, as in semstreams. Unlike the non-streaming
 * path nothing is trimmed, because text already published cannot be taken back.
 */
export class ThinkTagSplitter {
  private inThink = false;
  private pending = "";

  push(delta: string): SplitDelta {
    const out: SplitDelta = { content: "", reasoning: "" };
    let text = this.pending + delta;
    this.pending = "";
    for (;;) {
      const tag = this.inThink ? closeTag : openTag;
      const at = text.indexOf(tag);
      if (at === -1) {
        const held = partialTagLength(text, tag);
        this.emit(out, text.slice(0, text.length - held));
        this.pending = text.slice(text.length - held);
        return out;
      }
      this.emit(out, text.slice(0, at));
      this.inThink = !this.inThink;
      text = text.slice(at + tag.length);
    }
  }

  /** Flushes held-back bytes: they were never a tag, so they belong to whichever side is open. */
  end(): SplitEnd {
    const out: SplitDelta = { content: "", reasoning: "" };
    this.emit(out, this.pending);
    this.pending = "";
    return { ...out, unclosed: this.inThink };
  }

  private emit(out: SplitDelta, text: string): void {
    if (this.inThink) out.reasoning += text;
    else out.content += text;
  }
}
