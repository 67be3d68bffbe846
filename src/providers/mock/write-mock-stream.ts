/**
 * SSE encoding of a MockReply the way OpenAI streams chat completions: `data: <json>\n\n`
 * frames of `chat.completion.chunk` objects, a role chunk first, content in ~8-character
 * pieces, tool calls as a header delta (index, id, type, name, empty arguments) followed by
 * argument fragments, a final chunk with finish_reason and an empty delta, an optional
 * usage chunk with `choices: []`, then `data: [DONE]`.
 */
import type { ServerResponse } from "node:http";
import type { MockCompletionMeta, MockReply } from "./build-mock-reply.ts";

const pieceSize = 8;
const done = "data: [DONE]\n\n";

/** A text in the ~8-character pieces the mock streams it in (both APIs). */
export function mockStreamPieces(text: string | null | undefined): string[] {
  if (!text) return [];
  const out: string[] = [];
  for (let start = 0; start < text.length; start += pieceSize) out.push(text.slice(start, start + pieceSize));
  return out;
}

function frame(payload: unknown): string {
  return `data: ${JSON.stringify(payload)}\n\n`;
}

function chunkFrame(meta: MockCompletionMeta, delta: object, finishReason: string | null, usageNull: boolean): string {
  const payload: Record<string, unknown> = {
    id: meta.id,
    object: "chat.completion.chunk",
    created: meta.created,
    model: meta.model,
    choices: [{ index: 0, delta, finish_reason: finishReason }],
  };
  // OpenAI sends `usage: null` on every chunk but the last when include_usage is set.
  if (usageNull) payload.usage = null;
  return frame(payload);
}

function toolCallFrames(reply: MockReply, meta: MockCompletionMeta, usageNull: boolean): string[] {
  const frames: string[] = [];
  if (reply.style === "gemini") {
    // Gemini: no index; each call whole in one delta, with its thought signature.
    for (const call of reply.toolCalls) {
      const delta = {
        id: call.id,
        type: "function",
        function: { name: call.name, arguments: call.arguments },
        extra_content: { google: { thought_signature: call.thoughtSignature } },
      };
      frames.push(chunkFrame(meta, { tool_calls: [delta] }, null, usageNull));
    }
    return frames;
  }
  reply.toolCalls.forEach((call, index) => {
    const header = { index, id: call.id, type: "function", function: { name: call.name, arguments: "" } };
    frames.push(chunkFrame(meta, { tool_calls: [header] }, null, usageNull));
    for (const fragment of mockStreamPieces(call.arguments)) {
      frames.push(chunkFrame(meta, { tool_calls: [{ index, function: { arguments: fragment } }] }, null, usageNull));
    }
  });
  return frames;
}

/** Every frame of a complete stream, `[DONE]` included. */
export function mockStreamFrames(reply: MockReply, meta: MockCompletionMeta, includeUsage: boolean): string[] {
  const frames = [chunkFrame(meta, { role: "assistant" }, null, includeUsage)];
  for (const piece of mockStreamPieces(reply.reasoningContent)) {
    frames.push(chunkFrame(meta, { reasoning_content: piece }, null, includeUsage));
  }
  for (const piece of mockStreamPieces(reply.content)) frames.push(chunkFrame(meta, { content: piece }, null, includeUsage));
  frames.push(...toolCallFrames(reply, meta, includeUsage));
  frames.push(chunkFrame(meta, {}, reply.finishReason, includeUsage));
  if (includeUsage) {
    frames.push(frame({ id: meta.id, object: "chat.completion.chunk", created: meta.created, model: meta.model, choices: [], usage: reply.usage }));
  }
  frames.push(done);
  return frames;
}

/**
 * A stream that stops early: the role chunk and the first `afterChunks` content pieces
 * (default: half of them, at least one), no finish_reason, no usage, no `[DONE]`.
 */
export function mockCutStreamFrames(content: string, meta: MockCompletionMeta, afterChunks: number | undefined): string[] {
  const contentPieces = mockStreamPieces(content);
  const keep = afterChunks ?? Math.max(1, Math.ceil(contentPieces.length / 2));
  const frames = [chunkFrame(meta, { role: "assistant" }, null, false)];
  for (const piece of contentPieces.slice(0, keep)) frames.push(chunkFrame(meta, { content: piece }, null, false));
  return frames;
}

/** A Chat Completions frame that carries one generated piece (content, reasoning or tool arguments). */
export function isChatPieceFrame(frame: string): boolean {
  return frame.includes('"delta":{"content":') || frame.includes('"delta":{"reasoning_content":') || frame.includes('"function":{"arguments":');
}

/** How a paced stream is written: a piece every `chunkMs`, and which frames are pieces. */
export interface MockStreamPacing {
  readonly chunkMs: number;
  readonly isPiece: (frame: string) => boolean;
}

/**
 * Sends the frames as one `text/event-stream` 200 response and ends it cleanly: at once, or
 * paced: the frames up to and including the first piece at once, then each further piece (with
 * the frames that follow it) `chunkMs` after the one before, on a schedule that does not drift.
 * A client that goes away stops the schedule.
 */
export function writeMockStream(res: ServerResponse, frames: readonly string[], headers: Record<string, string>, pacing?: MockStreamPacing): void {
  res.writeHead(200, { ...headers, "content-type": "text/event-stream", "cache-control": "no-cache" });
  if (pacing === undefined) {
    res.end(frames.join(""));
    return;
  }
  const groups: string[] = [""];
  let seenPiece = false;
  for (const frame of frames) {
    const piece = pacing.isPiece(frame);
    if (piece && seenPiece) groups.push("");
    seenPiece ||= piece;
    groups[groups.length - 1] += frame;
  }
  const startedAt = performance.now();
  let next = 0;
  let timer: NodeJS.Timeout | undefined;
  const send = () => {
    if (res.destroyed) return;
    res.write(groups[next] as string);
    next += 1;
    if (next >= groups.length) {
      res.end();
      return;
    }
    timer = setTimeout(send, Math.max(0, startedAt + next * pacing.chunkMs - performance.now()));
  };
  res.once("close", () => clearTimeout(timer));
  send();
}
