/**
 * Carries out one behaviour for one request, in either of the two APIs the mock speaks
 * (Chat Completions, Responses): waits `delay_ms` (abortable: a client that disconnects
 * cancels the timer), then answers with JSON or SSE, an error, a torn connection, or
 * nothing at all (`hang`).
 */
import type { ServerResponse } from "node:http";
import { buildMockReply, type MockCompletionMeta, type MockReply } from "./build-mock-reply.ts";
import type { MockBehaviour, MockErrorBehaviour, MockStreamCutBehaviour } from "./mock-behaviour.ts";
import { mockCompletionBody } from "./mock-completion-body.ts";
import type { MockChatRequest } from "./parse-mock-chat-request.ts";
import { writeMockJson, writeOpenAIError } from "./write-mock-json.ts";
import { isChatPieceFrame, mockCutStreamFrames, mockStreamFrames, writeMockStream } from "./write-mock-stream.ts";
import { defaultMockAnswer } from "./choose-mock-behaviour.ts";

/** How a reply looks in one API: the JSON body, the SSE frames, a stream cut short. */
export interface MockWireFormat {
  body(reply: MockReply): unknown;
  frames(reply: MockReply): string[];
  cutFrames(content: string, afterChunks: number | undefined): string[];
  /** Whether a frame carries one generated piece (a paced stream sends one per `chunk_ms`). */
  isPiece(frame: string): boolean;
}

/** Chat Completions (`chat.completion` and `chat.completion.chunk`). */
export function chatCompletionsFormat(request: MockChatRequest, meta: MockCompletionMeta): MockWireFormat {
  return {
    body: (reply) => mockCompletionBody(reply, meta),
    frames: (reply) => mockStreamFrames(reply, meta, request.includeUsage),
    cutFrames: (content, afterChunks) => mockCutStreamFrames(content, meta, afterChunks),
    isPiece: isChatPieceFrame,
  };
}

export interface MockChatContext {
  readonly request: MockChatRequest;
  readonly meta: MockCompletionMeta;
  /** Headers sent with every answer (x-request-id). */
  readonly headers: Record<string, string>;
  readonly format: MockWireFormat;
}

function sendError(res: ServerResponse, behaviour: MockErrorBehaviour, context: MockChatContext): void {
  const headers = { ...context.headers };
  if (behaviour.retry_after !== undefined) headers["retry-after"] = behaviour.retry_after;
  if (behaviour.retry_after_ms !== undefined) headers["retry-after-ms"] = String(behaviour.retry_after_ms);
  const message = behaviour.message ?? `mock provider error ${behaviour.status}`;
  writeOpenAIError(res, behaviour.status, message, { headers });
}

function sendCut(res: ServerResponse, behaviour: MockStreamCutBehaviour, context: MockChatContext): void {
  const { request, meta, format } = context;
  if (request.stream) {
    const content = behaviour.content ?? defaultMockAnswer(request);
    writeMockStream(res, format.cutFrames(content, behaviour.after_chunks), context.headers);
    return;
  }
  // Non-streaming: announce the full body, send half of it, then tear the connection down.
  const body = JSON.stringify(format.body(buildMockReply(request, behaviour, meta)));
  res.writeHead(200, { ...context.headers, "content-type": "application/json", "content-length": Buffer.byteLength(body) });
  res.write(body.slice(0, Math.floor(body.length / 2)), () => res.destroy());
}

function answer(res: ServerResponse, behaviour: MockBehaviour, context: MockChatContext): void {
  if (res.destroyed || res.writableEnded) return;
  switch (behaviour.kind) {
    case "hang":
      return;
    case "close":
      res.destroy();
      return;
    case "error":
      sendError(res, behaviour, context);
      return;
    case "stream_cut":
      sendCut(res, behaviour, context);
      return;
    case "text":
    case "tool_call": {
      const reply = buildMockReply(context.request, behaviour, context.meta);
      const chunkMs = behaviour.kind === "text" ? behaviour.chunk_ms : undefined;
      const pacing = chunkMs === undefined ? undefined : { chunkMs, isPiece: context.format.isPiece };
      if (context.request.stream) writeMockStream(res, context.format.frames(reply), context.headers, pacing);
      else writeMockJson(res, 200, context.format.body(reply), context.headers);
      return;
    }
  }
}

/** Answers `res` according to `behaviour`, after its delay if it has one. */
export function respondMockChat(res: ServerResponse, behaviour: MockBehaviour, given: MockChatContext): void {
  const extra = "headers" in behaviour ? behaviour.headers : undefined;
  const context = extra ? { ...given, headers: { ...given.headers, ...extra } } : given;
  const delay = "delay_ms" in behaviour ? behaviour.delay_ms : undefined;
  if (delay === undefined || delay <= 0) {
    answer(res, behaviour, context);
    return;
  }
  const timer = setTimeout(() => answer(res, behaviour, context), delay);
  res.once("close", () => clearTimeout(timer));
}
