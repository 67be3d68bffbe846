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

/**
 * A copy without the keys whose value is undefined (exactOptionalPropertyTypes keeps them
 * apart). Copied rather than `delete`d: an object that lost a property drops to V8's slow
 * dictionary mode, and every later read of the message (hashing, storing, the provider
 * call) pays for it.
 */
function compact<T extends object>(value: T): T {
  const copy: Record<string, unknown> = {};
  for (const key in value) if (value[key] !== undefined) copy[key] = value[key];
  return copy as T;
}

export const chatMessageSchema = z
  .object({
    role: z.enum(chatRoles, { message: `role must be one of: ${chatRoles.join(", ")}` }),
    content: z.string().nullish(),
    name: z.string().optional(),
    reasoning_content: z.string().optional(),
    reasoning: z.string().optional(),
    tool_calls: z.array(toolCallSchema).nullish(),
    tool_call_id: z.string().optional(),
    is_error: z.boolean().optional(),
    reasoning_records: z.array(reasoningRecordSchema).optional(),
  })
  .transform(({ reasoning, content, tool_calls, ...rest }): ChatMessage =>
    compact({
      ...rest,
      content: content ?? undefined,
      tool_calls: tool_calls ?? undefined,
      // Ollama's `reasoning` is an alias; the canonical field wins when both are present.
      reasoning_content: rest.reasoning_content || reasoning || undefined,
    } as ChatMessage),
  )
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
