/**
 * The provider adapters: each provider family's Chat Completions quirks in one place
 * (docs/nats-contract.md, "Provider adapters"). The request side rewrites what a server would
 * reject (nameless tool results, empty assistant content, same-role runs) and re-attaches
 * carriers such as Gemini's thought signatures; the stream side decides which tool call a delta
 * belongs to when the provider omits `index`; the response side lifts carriers into reasoning records.
 */
import type { ChatCompletionMessageParam } from "openai/resources/chat/completions";
import type { ChatMessage } from "../core/agent-request.ts";
import type { ProviderResult } from "../core/chat-provider.ts";
import { opaqueFromText, opaqueText, type ReasoningRecord } from "../core/reasoning-record.ts";

/** The parts of a streamed tool-call delta that decide which call it belongs to. */
export interface ToolIndexDelta {
  // The SDK types `index` as required, but Gemini omits it: treat it as untrusted.
  readonly index?: number | undefined;
  readonly id?: string | undefined;
  readonly function?: { readonly name?: string | undefined } | undefined;
}

/** What the stream has merged so far, as index inference needs to see it. */
export interface ToolIndexState {
  /** Index the previous tool-call delta went to; -1 before the first. */
  readonly lastIndex: number;
  readonly calls: ReadonlyMap<number, { readonly id: string; readonly name: string }>;
}

/** A tool call as the provider sent it, carriers (e.g. Gemini's `extra_content`) included. */
export interface RawToolCall {
  readonly id: string;
  readonly extra_content?: unknown;
}

/**
 * One provider family's Chat Completions quirks (docs/nats-contract.md, "Provider adapters"). The request side runs in
 * buildChatParams: `attachCarriers` per message (it still sees our ChatMessage, reasoning
 * records included), then `normalizeMessages` over the whole list. The response side runs
 * after parsing, streamed or not.
 */
export interface ProviderAdapter {
  readonly name: "generic" | "openai" | "ollama" | "gemini";
  /** Re-attaches provider carriers kept in `source.reasoning_records`; identity for most. */
  attachCarriers(param: ChatCompletionMessageParam, source: ChatMessage): ChatCompletionMessageParam;
  /** Rewrites the outgoing messages the provider would otherwise reject; never mutates input. */
  normalizeMessages(messages: readonly ChatCompletionMessageParam[]): ChatCompletionMessageParam[];
  /** Which tool call a streamed delta continues or starts. */
  streamToolIndex(delta: ToolIndexDelta, state: ToolIndexState): number;
  /** Lifts provider carriers off the raw tool calls into the result (Gemini signatures). */
  normalizeResponse?(result: ProviderResult, rawToolCalls: readonly RawToolCall[]): ProviderResult;
}

/**
 * The request-side hook order for buildChatParams: convert each of our messages, let the
 * adapter re-attach carriers while it can still see the message's reasoning records, then
 * normalize the whole list (collapsing needs neighbours).
 */
export function toProviderMessages(
  messages: readonly ChatMessage[],
  adapter: ProviderAdapter,
  toMessageParam: (message: ChatMessage) => ChatCompletionMessageParam,
): ChatCompletionMessageParam[] {
  return adapter.normalizeMessages(messages.map((message) => adapter.attachCarriers(toMessageParam(message), message)));
}

/** `name` is not in the SDK's tool-message type, but Gemini and others need it. */
type NamedToolMessage = Extract<ChatCompletionMessageParam, { role: "tool" }> & { name?: string };

const unknownToolName = "unknown_tool";

function isEmptyContent(content: unknown): boolean {
  return content === undefined || content === null || content === "" || (Array.isArray(content) && content.length === 0);
}

/**
 * The per-message fixes of the generic and Gemini adapters (semstreams' GenericAdapter): a
 * tool result without a name gets "unknown_tool" (Gemini rejects a nameless function
 * response), and an assistant turn that only calls tools gets content " " (several servers
 * reject null/""). A call with an empty function name, which the loop keeps in its history
 * and answers with a synthetic tool message, is sent as "unknown_tool" too: the servers that
 * need a tool message's name refuse an empty function name as well.
 */
function applyMessageFallbacks(message: ChatCompletionMessageParam): ChatCompletionMessageParam {
  if (message.role === "tool") {
    const named = message as NamedToolMessage;
    return named.name ? message : ({ ...named, name: unknownToolName } as NamedToolMessage);
  }
  if (message.role !== "assistant" || (message.tool_calls?.length ?? 0) === 0) return message;
  const calls = message.tool_calls ?? [];
  const named = calls.some((call) => call.type === "function" && call.function.name === "")
    ? calls.map((call) => (call.type === "function" && call.function.name === "" ? { ...call, function: { ...call.function, name: unknownToolName } } : call))
    : calls;
  const emptyContent = isEmptyContent(message.content);
  if (named === calls && !emptyContent) return message;
  return { ...message, ...(emptyContent ? { content: " " } : {}), tool_calls: named };
}

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
function collapseSameRole(messages: readonly ChatCompletionMessageParam[]): ChatCompletionMessageParam[] {
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

function maxIndex(state: ToolIndexState): number {
  let max = -1;
  for (const index of state.calls.keys()) if (index > max) max = index;
  return max;
}

function indexOfId(state: ToolIndexState, id: string): number | undefined {
  for (const [index, call] of state.calls) if (call.id === id) return index;
  return undefined;
}

/**
 * semstreams' inference for providers that may omit `index` (docs/nats-contract.md, "Streaming"): an explicit
 * index wins; else a non-empty id starts a new call at max+1; else the delta continues the
 * last call. One addition: an id already seen maps back to its call, so a provider that
 * repeats the id on every fragment does not split one call into several broken ones.
 */
export function inferToolIndex(delta: ToolIndexDelta, state: ToolIndexState): number {
  if (typeof delta.index === "number") return delta.index;
  if (delta.id) return indexOfId(state, delta.id) ?? maxIndex(state) + 1;
  return Math.max(state.lastIndex, 0);
}

/**
 * Gemini sends every call whole, often without index or id: a delta naming a function while
 * the last call already has a name is a new call, so parallel calls never collapse into one.
 */
export function inferGeminiToolIndex(delta: ToolIndexDelta, state: ToolIndexState): number {
  if (typeof delta.index === "number" || delta.id) return inferToolIndex(delta, state);
  const lastName = state.calls.get(state.lastIndex)?.name;
  if (delta.function?.name && lastName) return maxIndex(state) + 1;
  return Math.max(state.lastIndex, 0);
}

/** Gemini 3's per-call carrier: `tool_calls[].extra_content.google.thought_signature`. */
function readThoughtSignature(extraContent: unknown): string | undefined {
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
function captureThoughtSignatures(result: ProviderResult, rawToolCalls: readonly RawToolCall[]): ProviderResult {
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
function attachThoughtSignatures(param: ChatCompletionMessageParam, source: ChatMessage): ChatCompletionMessageParam {
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

/**
 * For any OpenAI-compatible server of unknown strictness (anthropic, openrouter, vLLM, mock…):
 * the defensive rewrites that no server minds, and index inference for streams that omit it.
 */
export const genericAdapter: ProviderAdapter = {
  name: "generic",
  attachCarriers: (param) => param,
  normalizeMessages: (messages) => collapseSameRole(messages.map(applyMessageFallbacks)),
  streamToolIndex: inferToolIndex,
};

/**
 * OpenAI itself accepts exactly what we build, so nothing is rewritten; its streams always
 * carry `index`, and a missing one can only mean the first call.
 */
export const openAIAdapter: ProviderAdapter = {
  name: "openai",
  attachCarriers: (param) => param,
  normalizeMessages: (messages) => [...messages],
  streamToolIndex: (delta) => (typeof delta.index === "number" ? delta.index : 0),
};

/**
 * Ollama's /v1 needs the generic rewrites (its chat templates want alternating roles). Its
 * /api/show context-size probe is I/O and lives with the client, not here.
 */
export const ollamaAdapter: ProviderAdapter = { ...genericAdapter, name: "ollama" };

/**
 * Gemini's OpenAI-compatible endpoint: needs tool names and non-empty assistant content, takes
 * same-role runs as they are (no collapse), streams tool calls without `index`, and round-trips
 * Gemini 3 thought signatures through reasoning records.
 */
export const geminiAdapter: ProviderAdapter = {
  name: "gemini",
  attachCarriers: attachThoughtSignatures,
  normalizeMessages: (messages) => messages.map(applyMessageFallbacks),
  streamToolIndex: inferGeminiToolIndex,
  normalizeResponse: captureThoughtSignatures,
};

/** semstreams' AdapterFor: three known families; everything else gets the generic rewrites. */
export function adapterFor(provider: string): ProviderAdapter {
  switch (provider) {
    case "gemini":
      return geminiAdapter;
    case "openai":
      return openAIAdapter;
    case "ollama":
      return ollamaAdapter;
    default:
      return genericAdapter;
  }
}
