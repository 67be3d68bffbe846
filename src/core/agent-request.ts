import { z } from "zod";

/**
 * The semstreams AgentRequest wire format (reference-semstreams.md §1.2-1.8), parsed at the
 * NATS boundary. Unknown fields are ignored, as Go's JSON decoder does, so newer
 * orchestrators keep working; our extensions are optional fields.
 */
const jsonObject = z.record(z.string(), z.unknown());

/** Tool-call arguments arrive as an object; a JSON string is accepted too and parsed. */
const toolArguments = z.union([jsonObject, z.string(), z.null()]).optional().transform((value) => {
  if (value === null || value === undefined) return undefined;
  if (typeof value !== "string") return value;
  try {
    const parsed: unknown = JSON.parse(value);
    return parsed !== null && typeof parsed === "object" && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
});

export const toolCallSchema = z.object({
  id: z.string().min(1, "tool call id required"),
  name: z.string().min(1, "tool call name required"),
  arguments: toolArguments,
  metadata: jsonObject.optional(),
});

export const reasoningRecordSchema = z.object({
  provider: z.string(),
  item_id: z.string().optional(),
  summary_text: z.string().optional(),
  opaque: z.string().optional(),
  carrier_kind: z.string(),
  tool_call_id: z.string().optional(),
});

export const chatRoles = ["system", "user", "assistant", "tool"] as const;

export type ChatRole = (typeof chatRoles)[number];
export type ToolCall = z.output<typeof toolCallSchema>;
export type ReasoningRecord = z.output<typeof reasoningRecordSchema>;

/** A chat message as modelbus holds it: absent fields are absent, never `undefined`. */
export interface ChatMessage {
  role: ChatRole;
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
  role: z.enum(chatRoles, { message: `role must be one of: ${chatRoles.join(", ")}` }),
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

export const chatMessageSchema = wireMessageSchema
  .transform(normalizeMessage)
  .superRefine((message, context) => {
    if (message.role === "tool" && !message.tool_call_id) {
      context.addIssue({ code: "custom", path: ["tool_call_id"], message: "tool messages need tool_call_id" });
    }
    const hasBody = Boolean(message.content) || Boolean(message.reasoning_content) || (message.tool_calls?.length ?? 0) > 0;
    if (!hasBody && message.role !== "assistant") {
      context.addIssue({ code: "custom", path: ["content"], message: "message needs content, reasoning_content or tool_calls" });
    }
  });

export const toolDefinitionSchema = z.object({
  name: z.string().min(1, "tool name required"),
  description: z.string().default(""),
  parameters: jsonObject.nullable().default(null),
  strict: z.boolean().optional(),
});

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
  max_tokens: z.number().int().min(0).optional(),
  temperature: z.number().min(0).max(2).optional(),
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
