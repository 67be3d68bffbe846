import { z } from "zod";
import type { EndpointConfig } from "../config/config-schema.ts";
import type { AgentRequest, ChatMessage, ToolCall } from "../core/agent-request.ts";
import { zeroUsage, type TokenUsage } from "../core/agent-response.ts";
import type { ProviderResult } from "../core/chat-provider.ts";
import { ModelbusError } from "../core/modelbus-error.ts";
import { opaqueFromText, opaqueText, type ReasoningRecord } from "../core/reasoning-record.ts";
import { parseToolArguments, type Warn } from "./provider-message-fields.ts";
import type { StreamDeltas, StreamFold, StreamOutcome, StreamPartial } from "./stream/stream-outcome.ts";

/**
 * OpenAI's Responses API (`POST {url}/responses`), semstreams' `wire_backend: "responses"`:
 * stateless (`store: false`), with reasoning carried between turns by the caller as
 * `reasoning_records` (encrypted reasoning items, sent back only to OpenAI). The request and
 * response mappings follow semstreams' translate_responses.go and client_responses.go; where
 * modelbus differs, the function says so (docs/migrating-from-semstreams.md lists them).
 */

type Item = Record<string, unknown>;

const inputText = (text: string) => [{ type: "input_text", text }];

/** semstreams' reasoning echo: only OpenAI's standalone reasoning items go back, to OpenAI. */
function reasoningItems(records: readonly ReasoningRecord[] | undefined): Item[] {
  const items: Item[] = [];
  for (const record of records ?? []) {
    if (record.provider !== "openai" || record.carrier_kind !== "standalone_item") continue;
    // The API refuses a reasoning item without `summary` (HTTP 400), even an empty one.
    const item: Item = {
      type: "reasoning",
      id: record.item_id ?? "",
      summary: record.summary_text ? [{ type: "summary_text", text: record.summary_text }] : [],
    };
    if (record.opaque) item.encrypted_content = opaqueText(record.opaque);
    items.push(item);
  }
  return items;
}

/**
 * One message as input items. Differences from semstreams, each because the API requires
 * it: a call without arguments sends "{}" (not an absent `arguments`), a tool result always
 * has `output`, and a message's reasoning items come before its function calls, in the
 * order the API itself produced them.
 */
function messageItems(message: ChatMessage): Item[] {
  const content = message.content ?? "";
  switch (message.role) {
    case "user":
      return [{ type: "message", role: "user", content: inputText(content) }];
    case "assistant": {
      const items = reasoningItems(message.reasoning_records);
      if (content !== "") items.push({ type: "message", role: "assistant", content: [{ type: "output_text", text: content }] });
      for (const call of message.tool_calls ?? []) {
        items.push({ type: "function_call", call_id: call.id, name: call.name, arguments: JSON.stringify(call.arguments ?? {}) });
      }
      return items;
    }
    case "tool":
      return [{ type: "function_call_output", call_id: message.tool_call_id ?? "", output: content }, ...reasoningItems(message.reasoning_records)];
    default:
      // system, and any role the API does not know: instructions from the developer.
      return [{ type: "message", role: "developer", content: inputText(content) }, ...reasoningItems(message.reasoning_records)];
  }
}

function textFormat(format: NonNullable<AgentRequest["response_format"]>): Item {
  if (format.type === "json_object") return { type: "json_object" };
  return { type: "json_schema", name: format.name ?? "response", schema: format.schema ?? {}, strict: format.strict ?? false };
}

/** The Responses body for one endpoint (the SDK's ResponseCreateParams, as plain JSON). */
export function buildResponsesParams(request: AgentRequest, endpoint: EndpointConfig): Record<string, unknown> {
  const params: Record<string, unknown> = { model: endpoint.model, input: request.messages.flatMap(messageItems), store: false };
  const maxTokens = request.max_tokens !== undefined && request.max_tokens > 0 ? request.max_tokens : endpoint.max_output_tokens;
  if (maxTokens) params.max_output_tokens = maxTokens;
  if (request.temperature !== undefined) params.temperature = request.temperature;
  if (endpoint.reasoning_effort) {
    params.reasoning = { effort: endpoint.reasoning_effort };
    params.include = ["reasoning.encrypted_content"];
  }
  if (request.response_format) params.text = { format: textFormat(request.response_format) };
  if (request.tools && request.tools.length > 0 && endpoint.supports_tools) {
    // `strict` is sent even when false: the Responses API's own default is true, which would
    // refuse the schemas a loop wrote for Chat Completions.
    params.tools = request.tools.map((tool) => ({
      type: "function",
      name: tool.name,
      description: tool.description,
      parameters: tool.parameters ?? { type: "object", properties: {} },
      strict: tool.strict === true,
    }));
    const choice = request.tool_choice;
    if (choice) params.tool_choice = choice.mode === "function" ? { type: "function", name: choice.function_name ?? "" } : choice.mode;
  }
  return params;
}

const contentPartSchema = z.looseObject({ type: z.string(), text: z.string().optional() });

const outputItemSchema = z.looseObject({
  type: z.string(),
  id: z.string().nullish(),
  content: z.array(contentPartSchema).nullish(),
  call_id: z.string().nullish(),
  name: z.string().nullish(),
  arguments: z.string().nullish(),
  summary: z.array(contentPartSchema).nullish(),
  encrypted_content: z.string().nullish(),
});

/** The parts of a Responses `Response` object modelbus reads; checked, not trusted. */
export const responsesResponseSchema = z.looseObject({
  id: z.string().optional(),
  model: z.string().default(""),
  status: z.string().nullish(),
  output: z.array(outputItemSchema).nullish(),
  error: z.looseObject({ code: z.string().nullish(), message: z.string().nullish() }).nullish(),
  incomplete_details: z.looseObject({ reason: z.string().nullish() }).nullish(),
  usage: z.looseObject({ input_tokens: z.number().optional(), output_tokens: z.number().optional() }).nullish(),
});

type ResponsesResponse = z.output<typeof responsesResponseSchema>;
type OutputItem = z.output<typeof outputItemSchema>;

function reasoningRecord(item: OutputItem): ReasoningRecord {
  const record: ReasoningRecord = { provider: "openai", item_id: item.id ?? "", carrier_kind: "standalone_item" };
  const summary = item.summary?.[0]?.text;
  if (summary) record.summary_text = summary;
  if (item.encrypted_content) record.opaque = opaqueFromText(item.encrypted_content);
  return record;
}

function usageOf(body: ResponsesResponse): TokenUsage {
  return body.usage ? { prompt_tokens: body.usage.input_tokens ?? 0, completion_tokens: body.usage.output_tokens ?? 0 } : zeroUsage();
}

/**
 * A Response as our result (semstreams' convertResponsesResponse): `completed` → complete
 * (tool_call with function calls), `incomplete` → length_truncated (the calls are whole
 * items and are kept), `failed` / `cancelled` → a provider error naming the API's own
 * message (semstreams drops it); the raw status is the finish reason. Text is every
 * `output_text` part; each reasoning item becomes a record, its summaries also reasoning_content.
 */
export function parseResponsesResponse(raw: unknown, warn: Warn): ProviderResult {
  const parsed = responsesResponseSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ModelbusError({ code: "E_PROVIDER_RESPONSE_INVALID", message: `invalid Responses body: ${parsed.error.issues[0]?.message ?? "unreadable"}` });
  }
  const body = parsed.data;
  const status = body.status ?? "";
  if (status === "failed" || status === "cancelled") {
    const detail = body.error?.message ? `: ${body.error.code ? `${body.error.code}: ` : ""}${body.error.message}` : "";
    throw new ModelbusError({
      code: "E_PROVIDER_REJECTED",
      message: `responses status: ${status}${detail}`,
      partial: { message: { role: "assistant" }, usage: usageOf(body) },
    });
  }
  let content = "";
  const summaries: string[] = [];
  const toolCalls: ToolCall[] = [];
  const records: ReasoningRecord[] = [];
  for (const item of body.output ?? []) {
    if (item.type === "message") {
      for (const part of item.content ?? []) if (part.type === "output_text" && part.text) content += part.text;
    } else if (item.type === "function_call") {
      const name = item.name ?? "";
      const args = parseToolArguments(item.arguments ?? "", name, warn);
      toolCalls.push({ id: item.call_id ?? "", name, arguments: args });
    } else if (item.type === "reasoning") {
      records.push(reasoningRecord(item));
      for (const part of item.summary ?? []) if (part.text) summaries.push(part.text);
    }
  }
  if (status === "incomplete") warn("responses incomplete", { reason: body.incomplete_details?.reason });
  const message: ProviderResult["message"] = { role: "assistant" };
  if (content) message.content = content;
  if (summaries.length > 0) message.reasoning_content = summaries.join("\n");
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  if (records.length > 0) message.reasoning_records = records;
  const resultStatus = status === "incomplete" ? "length_truncated" : toolCalls.length > 0 ? "tool_call" : "complete";
  return { status: resultStatus, finishReason: status, message, usage: usageOf(body), providerModel: body.model };
}

/** The Responses stream events modelbus reads (the SDK yields every event it parsed). */
interface ResponsesEvent {
  readonly type?: string;
  readonly delta?: unknown;
  readonly response?: unknown;
  readonly code?: unknown;
  readonly message?: unknown;
}

const terminalEvents = new Set(["response.completed", "response.incomplete", "response.failed"]);

/**
 * Folds a Responses SSE stream (semstreams' stream_responses.go): text deltas → content,
 * reasoning-summary deltas → reasoning, function-call argument deltas → content chunks too
 * (as semstreams publishes them); the result is the terminal event's Response object. A
 * stream that ends without one is not an answer (semstreams calls it complete).
 */
export class ResponsesStreamFold implements StreamFold<ResponsesEvent> {
  private content = "";
  private reasoning = "";
  private final: unknown;
  private firstTokenAt: number | undefined;

  constructor(
    private readonly warn: Warn,
    private readonly now: () => number = () => performance.now(),
  ) {}

  push(event: ResponsesEvent): StreamDeltas {
    const delta = typeof event.delta === "string" ? event.delta : "";
    const deltas: StreamDeltas = { contentDelta: "", reasoningDelta: "" };
    switch (event.type) {
      case "response.output_text.delta":
        this.content += delta;
        deltas.contentDelta = delta;
        break;
      case "response.function_call_arguments.delta":
        deltas.contentDelta = delta;
        break;
      case "response.reasoning_summary_text.delta":
        this.reasoning += delta;
        deltas.reasoningDelta = delta;
        break;
      case "error":
        throw new ModelbusError({
          code: "E_PROVIDER_RESPONSE_INVALID",
          message: `stream error: ${String(event.code ?? "")} ${String(event.message ?? "")}`.trim(),
        });
      default:
        if (event.type !== undefined && terminalEvents.has(event.type)) this.final = event.response;
    }
    if (this.firstTokenAt === undefined && (deltas.contentDelta || deltas.reasoningDelta)) this.firstTokenAt = this.now();
    return deltas;
  }

  started(): boolean {
    return this.firstTokenAt !== undefined;
  }

  finish(): StreamOutcome {
    const finalDeltas = { contentDelta: "", reasoningDelta: "" };
    const common = { finalDeltas, firstTokenAtMs: this.firstTokenAt };
    if (this.final === undefined) return { ...common, ok: false, reason: "no terminal event", partial: this.partial() };
    return { ...common, ok: true, result: parseResponsesResponse(this.final, this.warn) };
  }

  partial(): StreamPartial {
    return { content: this.content, reasoning: this.reasoning, usage: zeroUsage() };
  }
}
