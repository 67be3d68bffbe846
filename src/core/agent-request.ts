import { z } from "zod";
import { reasoningRecordSchema, type ReasoningRecord } from "./reasoning-record.ts";

export { reasoningRecordSchema, type ReasoningRecord } from "./reasoning-record.ts";

/**
 * The semstreams AgentRequest wire format (agentic/types.go, agentic/tools.go), parsed at the
 * NATS boundary. It takes what semstreams' agentic-model takes: Go decodes without
 * validating, and the processor forwards message contents as they are, so unknown fields are
 * ignored, a missing string is "", and nothing about a message's role, content or tool calls
 * is refused here (the provider decides). Only what modelbus cannot answer or store is: no
 * request_id, no messages, an over-long id or role. The HTTP door adds OpenAI's own message
 * rules (`openAIAgentRequestSchema`). Our extensions are optional fields.
 */
const jsonObject = z.record(z.string(), z.unknown());

/** Tool-call arguments arrive as an object; a JSON string is accepted too and parsed. */
const toolArguments = z
  .union([jsonObject, z.string(), z.null()])
  .optional()
  .transform((value) => {
    if (value === null || value === undefined) return undefined;
    if (typeof value !== "string") return value;
    try {
      const parsed: unknown = JSON.parse(value);
      return parsed !== null && typeof parsed === "object" && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
    } catch {
      return {};
    }
  });

/**
 * A tool call as the loop sends it back in history. An empty name is kept: Gemini sometimes
 * emits such calls, the loop keeps them and answers each with a synthetic tool message.
 */
export const toolCallSchema = z.object({
  id: z.string().default(""),
  name: z.string().default(""),
  arguments: toolArguments,
  metadata: jsonObject.optional(),
});

export const chatRoles = ["system", "user", "assistant", "tool"] as const;

/** The message table's role column holds this many characters. */
const maxRoleLength = 16;

export type ChatRole = (typeof chatRoles)[number];
export type ToolCall = z.output<typeof toolCallSchema>;

/**
 * A chat message as modelbus holds it: absent fields are absent, never `undefined`. `role`
 * is one of `chatRoles` for every message the loop builds; any other role is forwarded to the
 * provider as it came (OpenAI itself knows `developer`, for one).
 */
export interface ChatMessage {
  role: ChatRole | (string & {});
  content?: string;
  name?: string;
  reasoning_content?: string;
  tool_calls?: ToolCall[];
  tool_call_id?: string;
  is_error?: boolean;
  reasoning_records?: ReasoningRecord[];
}

/** A message as it arrives, before normalizeMessage. */
const wireMessageSchema = z.object({
  role: z.string().max(maxRoleLength, `role longer than ${maxRoleLength} characters`).default(""),
  content: z.string().nullish(),
  name: z.string().optional(),
  reasoning_content: z.string().optional(),
  reasoning: z.string().optional(),
  tool_calls: z.array(toolCallSchema).nullish(),
  tool_call_id: z.string().optional(),
  is_error: z.boolean().optional(),
  reasoning_records: z.array(reasoningRecordSchema).optional(),
});

/**
 * The message as modelbus holds it: null content and tool_calls left out, Ollama's `reasoning`
 * read as an alias of reasoning_content (the canonical field wins when both are present).
 * Built field by field, never with `undefined` values: no rest/spread copies, and no
 * `delete`, which drops an object to V8's slow dictionary mode for every later read of the
 * message (hashing, storing, the provider call).
 */
function normalizeMessage(input: z.output<typeof wireMessageSchema>): ChatMessage {
  const message: ChatMessage = { role: input.role };
  if (input.content !== null && input.content !== undefined) message.content = input.content;
  if (input.name !== undefined) message.name = input.name;
  const reasoning = input.reasoning_content || input.reasoning;
  if (reasoning) message.reasoning_content = reasoning;
  if (input.tool_calls !== null && input.tool_calls !== undefined) message.tool_calls = input.tool_calls;
  if (input.tool_call_id !== undefined) message.tool_call_id = input.tool_call_id;
  if (input.is_error !== undefined) message.is_error = input.is_error;
  if (input.reasoning_records !== undefined) message.reasoning_records = input.reasoning_records;
  return message;
}

export const chatMessageSchema = wireMessageSchema.transform(normalizeMessage);

export const toolDefinitionSchema = z.object({
  name: z.string().default(""),
  description: z.string().default(""),
  parameters: jsonObject.nullable().default(null),
  strict: z.boolean().optional(),
});

/** A tool as the agent catalog and the HTTP door take it: named. */
export const namedToolDefinitionSchema = toolDefinitionSchema.extend({ name: z.string().min(1, "tool name required") });

export const toolChoiceSchema = z
  .object({ mode: z.enum(["auto", "required", "none", "function"]), function_name: z.string().optional() })
  .refine((choice) => choice.mode !== "function" || Boolean(choice.function_name), {
    message: "tool_choice mode function needs function_name",
  });

export const responseFormatSchema = z
  .object({
    type: z.enum(["json_object", "json_schema"]),
    schema: jsonObject.optional(),
    name: z.string().optional(),
    strict: z.boolean().optional(),
  })
  .refine((format) => format.type !== "json_schema" || (Boolean(format.name) && format.schema !== undefined), {
    message: "json_schema response_format needs name and schema",
  });

export const agentRequestSchema = z.object({
  request_id: z.string().min(1, "request_id required").max(191, "request_id longer than 191 characters"),
  loop_id: z.string().max(191, "loop_id longer than 191 characters").optional(),
  role: z.string().optional(),
  model: z.string().default(""),
  messages: z.array(chatMessageSchema).min(1, "messages cannot be empty"),
  // Go's int and float64: any value decodes; only a positive one is sent to the provider.
  max_tokens: z.number().int().optional(),
  temperature: z.number().optional(),
  tools: z.array(toolDefinitionSchema).optional(),
  tool_choice: toolChoiceSchema.optional(),
  response_format: responseFormatSchema.optional(),
  timeout: z.string().optional(),
  // modelbus extensions (all optional)
  agent: z.string().max(191).optional(),
  session_id: z.string().min(1).max(36, "session_id longer than 36 characters").optional(),
  conversation_id: z.string().min(1).max(36, "conversation_id longer than 36 characters").optional(),
  metadata: jsonObject.optional(),
  stream: z.boolean().optional(),
});

export type AgentRequest = z.output<typeof agentRequestSchema>;
export type ToolDefinition = z.output<typeof toolDefinitionSchema>;
export type ToolChoice = z.output<typeof toolChoiceSchema>;
export type ResponseFormat = z.output<typeof responseFormatSchema>;

/** OpenAI's rules for one message, which its API enforces and the HTTP door mirrors. */
function checkOpenAIMessage(message: ChatMessage, path: (string | number)[], context: z.RefinementCtx): void {
  const issue = (field: (string | number)[], text: string) => context.addIssue({ code: "custom", path: [...path, ...field], message: text });
  if (!(chatRoles as readonly string[]).includes(message.role)) issue(["role"], `role must be one of: ${chatRoles.join(", ")}`);
  if (message.role === "tool" && !message.tool_call_id) issue(["tool_call_id"], "tool messages need tool_call_id");
  const hasBody = Boolean(message.content) || Boolean(message.reasoning_content) || (message.tool_calls?.length ?? 0) > 0;
  if (!hasBody && message.role !== "assistant") issue(["content"], "message needs content, reasoning_content or tool_calls");
  message.tool_calls?.forEach((call, index) => {
    if (!call.id) issue(["tool_calls", index, "id"], "tool call id required");
    if (!call.name) issue(["tool_calls", index, "name"], "tool call name required");
  });
}

/**
 * The AgentRequest of an OpenAI-style HTTP request: the NATS rules plus what OpenAI's API
 * itself refuses, so a client of the HTTP door gets a 400 naming the field instead of a
 * provider error.
 */
export const openAIAgentRequestSchema = agentRequestSchema.superRefine((request, context) => {
  request.messages.forEach((message, index) => checkOpenAIMessage(message, ["messages", index], context));
  request.tools?.forEach((tool, index) => {
    if (!tool.name) context.addIssue({ code: "custom", path: ["tools", index, "name"], message: "tool name required" });
  });
  if (request.temperature !== undefined && (request.temperature < 0 || request.temperature > 2)) {
    context.addIssue({ code: "custom", path: ["temperature"], message: "temperature must be between 0 and 2" });
  }
  if (request.max_tokens !== undefined && request.max_tokens < 0) {
    context.addIssue({ code: "custom", path: ["max_tokens"], message: "max_tokens must not be negative" });
  }
});
