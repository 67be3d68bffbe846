/**
 * The mock's behaviour when nothing is queued: a deterministic answer derived from the
 * request, steerable by inline directives in the last user message so demos need no code.
 *
 * Directives (any number, anywhere in the last user message; later ones win on conflict):
 *   [mock:tool]                       call the first tool (only when the request has tools
 *                                     and the last message is that user message)
 *   [mock:error=500]                  answer with that status and an OpenAI error body
 *   [mock:error=429,retry_after=1]    ... plus `Retry-After: 1` (also retry_after_ms=250)
 *   [mock:delay=200]                  wait 200 ms before answering
 *   [mock:length]                     truncated content, finish_reason "length"
 *   [mock:think]                      content starts with a <think>…</think> block
 *   [mock:hang]                       never answer
 *   [mock:close]                      destroy the socket without answering
 *   [mock:cut]                        streaming: stop after some chunks, no finish_reason
 *   [mock:chunks=100,chunk_ms=5]      content of exactly 100 stream pieces (`t000001 `…);
 *                                     streamed, one piece every 5 ms (either key alone works)
 *
 * Without directives: tools + a last user message mentioning "weather" or "tool" → call
 * the first tool; otherwise text `mock answer: <first 200 chars of the last user message>`.
 */
import type { MockBehaviour, MockErrorBehaviour, MockTextBehaviour } from "./mock-behaviour.ts";
import { lastUserMessage, messageText, type MockChatRequest } from "./parse-mock-chat-request.ts";

const directivePattern = /\[mock:([^\]]*)\]/g;
const toolWordPattern = /\b(weather|tool)/i;
const answerPrefix = "mock answer: ";
const thinkPrefix = "<think>mock reasoning</think>";

export type MockDirectives = ReadonlyMap<string, string>;

/** Reads `[mock:name=value,key=value]` tokens into one map (value "" when absent). */
export function parseMockDirectives(text: string): MockDirectives {
  const directives = new Map<string, string>();
  if (!text.includes("[mock:")) return directives;
  for (const match of text.matchAll(directivePattern)) {
    for (const pair of (match[1] ?? "").split(",")) {
      const [key = "", ...rest] = pair.split("=");
      const name = key.trim().toLowerCase();
      if (name.length > 0) directives.set(name, rest.join("=").trim());
    }
  }
  return directives;
}

/** The last user message with its directive tokens removed, trimmed. */
function userText(request: MockChatRequest): string {
  const message = lastUserMessage(request);
  if (message === undefined) return "";
  return messageText(message).replace(directivePattern, "").trim();
}

/** `count` stream pieces of 8 characters each: `t000001 t000002 …` (the mock streams 8 per chunk). */
export function pacedMockContent(count: number): string {
  let content = "";
  for (let index = 1; index <= count; index += 1) content += `t${String(index).padStart(6, "0")} `;
  return content;
}

/** `mock answer: <first 200 chars of the last user message, without directives>`. */
export function defaultMockAnswer(request: MockChatRequest): string {
  return answerPrefix + userText(request).slice(0, 200);
}

function numberDirective(directives: MockDirectives, name: string): number | undefined {
  const raw = directives.get(name);
  if (raw === undefined || raw === "") return undefined;
  const value = Number(raw);
  return Number.isFinite(value) && value >= 0 ? value : undefined;
}

function errorBehaviour(directives: MockDirectives, delay: number | undefined): MockErrorBehaviour {
  const parsed = numberDirective(directives, "error");
  const status = parsed !== undefined && Number.isInteger(parsed) && parsed >= 400 && parsed <= 599 ? parsed : 500;
  const retryAfter = directives.get("retry_after");
  const retryAfterMs = numberDirective(directives, "retry_after_ms");
  return {
    kind: "error",
    status,
    message: `mock error ${status} requested by [mock:error] directive`,
    ...(retryAfter !== undefined && retryAfter !== "" ? { retry_after: retryAfter } : {}),
    ...(retryAfterMs !== undefined ? { retry_after_ms: retryAfterMs } : {}),
    ...(delay !== undefined ? { delay_ms: delay } : {}),
  };
}

function textBehaviour(request: MockChatRequest, directives: MockDirectives, delay: number | undefined): MockTextBehaviour {
  const chunks = numberDirective(directives, "chunks");
  let content = chunks !== undefined && chunks >= 1 ? pacedMockContent(Math.floor(chunks)) : defaultMockAnswer(request);
  const chunkMs = numberDirective(directives, "chunk_ms");
  const truncated = directives.has("length");
  if (truncated) content = content.slice(0, Math.ceil(content.length / 2));
  if (directives.has("think")) content = thinkPrefix + content;
  return {
    kind: "text",
    content,
    finish_reason: truncated ? "length" : "stop",
    ...(delay !== undefined ? { delay_ms: delay } : {}),
    ...(chunkMs !== undefined && chunkMs > 0 ? { chunk_ms: chunkMs } : {}),
  };
}

function wantsToolCall(request: MockChatRequest, directives: MockDirectives): boolean {
  if (request.tools.length === 0) return false;
  const last = request.messages[request.messages.length - 1];
  if (last?.role !== "user") return false;
  return directives.has("tool") || toolWordPattern.test(userText(request));
}

/** Picks the behaviour for a request that found nothing in the queues. */
export function chooseMockBehaviour(request: MockChatRequest): MockBehaviour {
  const message = lastUserMessage(request);
  const directives = parseMockDirectives(message === undefined ? "" : messageText(message));
  const delay = numberDirective(directives, "delay");
  if (directives.has("hang")) return { kind: "hang" };
  if (directives.has("close")) return { kind: "close" };
  if (directives.has("error")) return errorBehaviour(directives, delay);
  if (directives.has("cut")) return { kind: "stream_cut", content: defaultMockAnswer(request) };
  if (wantsToolCall(request, directives)) {
    return { kind: "tool_call", ...(delay !== undefined ? { delay_ms: delay } : {}) };
  }
  return textBehaviour(request, directives, delay);
}
