/**
 * The mock's OpenAI Responses API (`POST /v1/responses`): the request's input items read as
 * the chat messages the mock's behaviours understand, and a MockReply rendered as a Responses
 * `response` object or as its SSE event stream (`event:` + `data:` frames with sequence
 * numbers, as OpenAI sends them). When the request asks for reasoning, the reply starts with a
 * reasoning item whose `encrypted_content` names the request, so tests can see it come back.
 */
import type { MockCompletionMeta, MockReply } from "./build-mock-reply.ts";
import type { MockChatMessage, MockChatRequest, MockChatTool, ParseMockChatResult } from "./parse-mock-chat-request.ts";
import { mockStreamPieces } from "./write-mock-stream.ts";

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function partsText(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content.map((part) => (isRecord(part) && typeof part.text === "string" ? part.text : "")).join("");
}

/** One input item as the chat message the mock's behaviour choice reads. */
function asMessage(item: Record<string, unknown>): MockChatMessage | undefined {
  switch (item.type ?? "message") {
    case "message":
      return { role: typeof item.role === "string" ? item.role : "user", content: partsText(item.content) };
    case "function_call":
      return { role: "assistant", content: "", tool_calls: [{ function: { name: item.name, arguments: item.arguments } }] };
    case "function_call_output":
      return { role: "tool", content: typeof item.output === "string" ? item.output : "" };
    default:
      return undefined;
  }
}

export interface MockResponsesRequest extends MockChatRequest {
  /** `reasoning` was asked for: the reply carries a reasoning item. */
  readonly reasoning: boolean;
  readonly encryptedReasoning: boolean;
}

/** Validates a Responses request body (model and input) and reads it as a chat request. */
export function parseMockResponsesRequest(body: unknown): ParseMockChatResult<MockResponsesRequest> {
  if (!isRecord(body)) return { ok: false, message: "The request body must be a JSON object.", param: "body" };
  const { model, input, stream, tools, reasoning, include } = body;
  if (typeof model !== "string" || model === "") return { ok: false, message: "you must provide a model parameter", param: "model" };
  const items = typeof input === "string" ? [{ type: "message", role: "user", content: input }] : input;
  if (!Array.isArray(items) || items.length === 0) return { ok: false, message: "'input' must be a string or a non-empty array", param: "input" };
  const messages = items
    .filter(isRecord)
    .map(asMessage)
    .filter((message): message is MockChatMessage => message !== undefined);
  const chatTools: MockChatTool[] = (Array.isArray(tools) ? tools.filter(isRecord) : []).map((tool) => ({
    type: "function",
    function: { ...(typeof tool.name === "string" ? { name: tool.name } : {}), parameters: tool.parameters },
  }));
  const request: MockResponsesRequest = {
    model,
    messages,
    stream: stream === true,
    includeUsage: true,
    tools: chatTools,
    reasoning: isRecord(reasoning),
    encryptedReasoning: Array.isArray(include) && include.includes("reasoning.encrypted_content"),
  };
  return { ok: true, request };
}

const reasoningSummary = "mock reasoning summary";

function reasoningItem(request: MockResponsesRequest, meta: MockCompletionMeta): Record<string, unknown> {
  const item: Record<string, unknown> = { type: "reasoning", id: `rs_${meta.id}`, summary: [{ type: "summary_text", text: reasoningSummary }] };
  if (request.encryptedReasoning) item.encrypted_content = Buffer.from(`mock-encrypted-reasoning:${meta.id}`).toString("base64");
  return item;
}

function outputItems(reply: MockReply, request: MockResponsesRequest, meta: MockCompletionMeta): Record<string, unknown>[] {
  const items: Record<string, unknown>[] = [];
  if (request.reasoning) items.push(reasoningItem(request, meta));
  if (reply.content) {
    items.push({
      type: "message",
      id: `msg_${meta.id}`,
      status: "completed",
      role: "assistant",
      content: [{ type: "output_text", text: reply.content, annotations: [], logprobs: [] }],
    });
  }
  reply.toolCalls.forEach((call, index) => {
    items.push({ type: "function_call", id: `fc_${meta.id}_${index}`, call_id: call.id, name: call.name, arguments: call.arguments, status: "completed" });
  });
  return items;
}

function responseObject(meta: MockCompletionMeta, status: string, output: unknown[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: meta.id,
    object: "response",
    created_at: meta.created,
    status,
    model: meta.model,
    output,
    error: null,
    incomplete_details: null,
    store: false,
    ...extra,
  };
}

function usageOf(reply: MockReply): Record<string, unknown> {
  return {
    input_tokens: reply.usage.prompt_tokens,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens: reply.usage.completion_tokens,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: reply.usage.total_tokens,
  };
}

/** The reply as a non-streaming Responses `response` object. */
export function mockResponsesBody(reply: MockReply, request: MockResponsesRequest, meta: MockCompletionMeta): Record<string, unknown> {
  const truncated = reply.finishReason === "length";
  return responseObject(meta, truncated ? "incomplete" : "completed", outputItems(reply, request, meta), {
    incomplete_details: truncated ? { reason: "max_output_tokens" } : null,
    usage: usageOf(reply),
  });
}

/** Numbers the events as they are framed. */
class EventWriter {
  readonly frames: string[] = [];
  private sequence = 0;

  emit(type: string, fields: Record<string, unknown>): void {
    this.frames.push(`event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: this.sequence, ...fields })}\n\n`);
    this.sequence += 1;
  }
}

function emitItem(events: EventWriter, item: Record<string, unknown>, outputIndex: number): void {
  const base = { output_index: outputIndex, item_id: item.id };
  if (item.type === "reasoning") {
    events.emit("response.output_item.added", { output_index: outputIndex, item: { ...item, summary: [] } });
    events.emit("response.reasoning_summary_part.added", { ...base, summary_index: 0, part: { type: "summary_text", text: "" } });
    for (const piece of mockStreamPieces(reasoningSummary)) events.emit("response.reasoning_summary_text.delta", { ...base, summary_index: 0, delta: piece });
    events.emit("response.reasoning_summary_text.done", { ...base, summary_index: 0, text: reasoningSummary });
    events.emit("response.reasoning_summary_part.done", { ...base, summary_index: 0, part: { type: "summary_text", text: reasoningSummary } });
  } else if (item.type === "message") {
    const text = ((item.content as Array<{ text: string }>)[0] as { text: string }).text;
    events.emit("response.output_item.added", { output_index: outputIndex, item: { ...item, status: "in_progress", content: [] } });
    events.emit("response.content_part.added", { ...base, content_index: 0, part: { type: "output_text", text: "", annotations: [] } });
    for (const piece of mockStreamPieces(text)) events.emit("response.output_text.delta", { ...base, content_index: 0, delta: piece, logprobs: [] });
    events.emit("response.output_text.done", { ...base, content_index: 0, text, logprobs: [] });
    events.emit("response.content_part.done", { ...base, content_index: 0, part: { type: "output_text", text, annotations: [] } });
  } else {
    const args = String(item.arguments ?? "");
    events.emit("response.output_item.added", { output_index: outputIndex, item: { ...item, status: "in_progress", arguments: "" } });
    for (const piece of mockStreamPieces(args)) events.emit("response.function_call_arguments.delta", { ...base, delta: piece });
    events.emit("response.function_call_arguments.done", { ...base, name: item.name, arguments: args });
  }
  events.emit("response.output_item.done", { output_index: outputIndex, item });
}

/** Every event of a complete Responses stream, ending with response.completed (or .incomplete). */
export function mockResponsesFrames(reply: MockReply, request: MockResponsesRequest, meta: MockCompletionMeta): string[] {
  const events = new EventWriter();
  events.emit("response.created", { response: responseObject(meta, "in_progress", []) });
  events.emit("response.in_progress", { response: responseObject(meta, "in_progress", []) });
  outputItems(reply, request, meta).forEach((item, index) => emitItem(events, item, index));
  const final = mockResponsesBody(reply, request, meta);
  events.emit(final.status === "incomplete" ? "response.incomplete" : "response.completed", { response: final });
  return events.frames;
}

/** A stream cut short: created, the message's first `afterChunks` text deltas, no terminal event. */
export function mockResponsesCutFrames(content: string, meta: MockCompletionMeta, afterChunks: number | undefined): string[] {
  const events = new EventWriter();
  const textPieces = mockStreamPieces(content);
  const keep = afterChunks ?? Math.max(1, Math.ceil(textPieces.length / 2));
  const id = `msg_${meta.id}`;
  events.emit("response.created", { response: responseObject(meta, "in_progress", []) });
  events.emit("response.output_item.added", { output_index: 0, item: { type: "message", id, status: "in_progress", role: "assistant", content: [] } });
  for (const piece of textPieces.slice(0, keep))
    events.emit("response.output_text.delta", { output_index: 0, item_id: id, content_index: 0, delta: piece, logprobs: [] });
  return events.frames;
}
