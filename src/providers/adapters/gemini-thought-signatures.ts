import type { ChatCompletionMessageParam } from "openai/resources/chat/completions";
import type { ChatMessage } from "../../core/agent-request.ts";
import type { ProviderResult } from "../../core/chat-provider.ts";
import { opaqueFromText, opaqueText } from "../../core/reasoning-record.ts";
import type { RawToolCall, ReasoningRecord } from "./provider-adapter.ts";

/** Gemini 3's per-call carrier: `tool_calls[].extra_content.google.thought_signature`. */
export function readThoughtSignature(extraContent: unknown): string | undefined {
  if (extraContent === null || typeof extraContent !== "object") return undefined;
  const google: unknown = (extraContent as { google?: unknown }).google;
  if (google === null || typeof google !== "object") return undefined;
  const signature: unknown = (google as { thought_signature?: unknown }).thought_signature;
  return typeof signature === "string" && signature !== "" ? signature : undefined;
}

/**
 * Response side: each signature becomes a reasoning record keyed by its tool call id, so the
 * orchestrator can hand it back next turn (Gemini answers 400 without it). `opaque` holds the
 * signature's bytes as semstreams does (base64 of the signature text, itself base64). Calls
 * dropped from the result (e.g. truncated by length) take their signatures with them.
 */
export function captureThoughtSignatures(result: ProviderResult, rawToolCalls: readonly RawToolCall[]): ProviderResult {
  const kept = new Set(result.message.tool_calls?.map((call) => call.id));
  const records: ReasoningRecord[] = [];
  for (const call of rawToolCalls) {
    const signature = readThoughtSignature(call.extra_content);
    if (signature === undefined || !kept.has(call.id)) continue;
    records.push({ provider: "google", opaque: opaqueFromText(signature), carrier_kind: "tool_call", tool_call_id: call.id });
  }
  if (records.length === 0) return result;
  const existing = result.message.reasoning_records ?? [];
  return { ...result, message: { ...result.message, reasoning_records: [...existing, ...records] } };
}

/**
 * Request side: puts each stored signature back, exactly as Gemini sent it, on the assistant's
 * tool call with the same id — on every matching call, not only the first (semstreams gh#188).
 * The record's provider is not checked, as in semstreams: a tool-call carrier is Gemini's.
 */
export function attachThoughtSignatures(param: ChatCompletionMessageParam, source: ChatMessage): ChatCompletionMessageParam {
  if (param.role !== "assistant" || !param.tool_calls || !source.reasoning_records) return param;
  const signatures = new Map<string, string>();
  for (const record of source.reasoning_records) {
    if (record.carrier_kind !== "tool_call" || !record.tool_call_id || !record.opaque) continue;
    signatures.set(record.tool_call_id, opaqueText(record.opaque));
  }
  if (signatures.size === 0) return param;
  const toolCalls = param.tool_calls.map((call) => {
    const signature = signatures.get(call.id);
    // `extra_content` is Gemini's extension, unknown to the SDK's types.
    return signature === undefined ? call : { ...call, extra_content: { google: { thought_signature: signature } } };
  });
  return { ...param, tool_calls: toolCalls };
}
