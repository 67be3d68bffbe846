/**
 * Turns an answering behaviour (text, tool_call, stream_cut) into the assistant reply the
 * mock sends: content, reasoning, tool calls, finish_reason and deterministic usage. The
 * JSON body and the SSE stream are both rendered from this one value.
 */
import { createHash } from "node:crypto";
import { defaultMockAnswer } from "./choose-mock-behaviour.ts";
import type { MockStreamCutBehaviour, MockTextBehaviour, MockToolCallBehaviour } from "./mock-behaviour.ts";
import { estimatePromptTokens, type MockChatRequest, type MockChatTool } from "./parse-mock-chat-request.ts";
import { plausibleToolArguments } from "./plausible-tool-arguments.ts";

export type MockAnsweringBehaviour = MockTextBehaviour | MockToolCallBehaviour | MockStreamCutBehaviour;

export interface MockReplyToolCall {
  readonly id: string;
  readonly name: string;
  readonly arguments: string;
  /** Gemini style: the call's thought signature (base64). */
  readonly thoughtSignature?: string;
}

export interface MockUsage {
  readonly prompt_tokens: number;
  readonly completion_tokens: number;
  readonly total_tokens: number;
}

export interface MockReply {
  readonly content: string | null;
  readonly reasoningContent: string | undefined;
  readonly toolCalls: readonly MockReplyToolCall[];
  readonly finishReason: string;
  readonly usage: MockUsage;
  readonly style?: "openai" | "gemini";
}

/** Identity of one completion: `id` is shared by the JSON body and every stream chunk. */
export interface MockCompletionMeta {
  readonly id: string;
  readonly created: number;
  readonly model: string;
  /** Prefix for generated tool call ids, e.g. `call_mock_7` → `call_mock_7_0`. */
  readonly callIdPrefix: string;
}

function toolName(tool: MockChatTool | undefined): string | undefined {
  const name = tool?.function?.name;
  return typeof name === "string" && name.length > 0 ? name : undefined;
}

function buildToolCalls(request: MockChatRequest, behaviour: MockToolCallBehaviour, callIdPrefix: string): MockReplyToolCall[] {
  const calls = behaviour.calls ?? [{}];
  const fallbackName = toolName(request.tools[0]) ?? "mock_tool";
  return calls.map((call, index) => {
    const name = call.name ?? fallbackName;
    const tool = request.tools.find((candidate) => toolName(candidate) === name);
    return {
      id: call.id ?? `${callIdPrefix}_${index}`,
      name,
      arguments: call.arguments ?? plausibleToolArguments(tool?.function?.parameters),
    };
  });
}

function estimateUsage(request: MockChatRequest, chars: number, override: MockTextBehaviour["usage"]): MockUsage {
  const prompt = override?.prompt_tokens ?? estimatePromptTokens(request);
  const completion = override?.completion_tokens ?? Math.max(1, Math.ceil(chars / 4));
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}

/** The reply for an answering behaviour; absent fields fall back to request-derived defaults. */
export function buildMockReply(request: MockChatRequest, behaviour: MockAnsweringBehaviour, meta: MockCompletionMeta): MockReply {
  if (behaviour.kind === "tool_call") {
    const gemini = behaviour.style === "gemini";
    const toolCalls = buildToolCalls(request, behaviour, meta.callIdPrefix).map((call) =>
      gemini ? { ...call, thoughtSignature: mockThoughtSignature(call.id) } : call,
    );
    const content = behaviour.content ?? null;
    const chars = toolCalls.reduce((sum, call) => sum + call.arguments.length, content?.length ?? 0);
    return {
      content,
      reasoningContent: undefined,
      toolCalls,
      finishReason: behaviour.finish_reason ?? "tool_calls",
      usage: estimateUsage(request, chars, undefined),
      ...(gemini ? { style: "gemini" as const } : {}),
    };
  }
  const content = behaviour.content ?? defaultMockAnswer(request);
  const reasoning = behaviour.kind === "text" ? behaviour.reasoning_content : undefined;
  return {
    content,
    reasoningContent: reasoning,
    toolCalls: [],
    finishReason: behaviour.kind === "text" ? (behaviour.finish_reason ?? "stop") : "stop",
    usage: estimateUsage(request, content.length + (reasoning?.length ?? 0), behaviour.kind === "text" ? behaviour.usage : undefined),
  };
}

/**
 * A thought signature shaped like Gemini's: base64 of binary bytes (a protobuf blob there, a
 * tagged SHA-256 of the call id here), deterministic so tests can name it.
 */
export function mockThoughtSignature(callId: string): string {
  return Buffer.concat([Buffer.from([0x0a, 0x20]), createHash("sha256").update(callId).digest()]).toString("base64");
}
