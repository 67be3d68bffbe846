import { z } from "zod";

/**
 * The body of OpenAI's `POST /v1/chat/completions`, as far as modelbus honours it.
 * Fields we do not use (top_p, seed, user, …) are accepted and dropped, so the official
 * SDK and existing clients work unchanged; fields whose meaning we cannot keep (n > 1,
 * non-text content parts) are refused with a 400 naming them.
 */
const contentPart = z.looseObject({ type: z.string(), text: z.string().optional() }).superRefine((part, context) => {
  if (part.type !== "text" || part.text === undefined) {
    context.addIssue({ code: "custom", message: `content part type "${part.type}" is not supported (text only)` });
  }
});

const content = z.union([z.string(), z.array(contentPart)]).nullish();

const toolCall = z.object({
  id: z.string().min(1),
  type: z.literal("function").default("function"),
  function: z.object({ name: z.string().min(1), arguments: z.string().default("{}") }),
});

const message = z.object({
  role: z.enum(["system", "developer", "user", "assistant", "tool"], {
    message: "role must be one of: system, developer, user, assistant, tool",
  }),
  content,
  name: z.string().optional(),
  tool_calls: z.array(toolCall).nullish(),
  tool_call_id: z.string().optional(),
  reasoning_content: z.string().nullish(),
});

const tool = z.object({
  type: z.literal("function"),
  function: z.object({
    name: z.string().min(1),
    description: z.string().optional(),
    parameters: z.record(z.string(), z.unknown()).optional(),
    strict: z.boolean().nullish(),
  }),
});

const toolChoice = z.union([z.enum(["auto", "none", "required"]), z.object({ type: z.literal("function"), function: z.object({ name: z.string().min(1) }) })]);

const responseFormat = z.discriminatedUnion("type", [
  z.object({ type: z.literal("text") }),
  z.object({ type: z.literal("json_object") }),
  z.object({
    type: z.literal("json_schema"),
    json_schema: z.object({
      name: z.string().min(1),
      schema: z.record(z.string(), z.unknown()).optional(),
      strict: z.boolean().nullish(),
      description: z.string().optional(),
    }),
  }),
]);

export const openAIChatRequestSchema = z.object({
  model: z.string().min(1, "model is required"),
  messages: z.array(message).min(1, "messages cannot be empty"),
  tools: z.array(tool).optional(),
  tool_choice: toolChoice.optional(),
  response_format: responseFormat.optional(),
  max_tokens: z.number().int().min(1).nullish(),
  max_completion_tokens: z.number().int().min(1).nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  stream: z.boolean().nullish(),
  stream_options: z.object({ include_usage: z.boolean().optional() }).nullish(),
  n: z.literal(1, "only n=1 is supported").nullish(),
  metadata: z.record(z.string(), z.string()).nullish(),
});

export type OpenAIChatRequest = z.output<typeof openAIChatRequestSchema>;
export type OpenAIChatMessage = OpenAIChatRequest["messages"][number];
