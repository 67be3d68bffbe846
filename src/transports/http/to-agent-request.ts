import { openAIAgentRequestSchema, type AgentRequest } from "../../core/agent-request.ts";
import type { OpenAIChatMessage, OpenAIChatRequest } from "./openai-chat-request-schema.ts";
import { parseOrThrow } from "./http-errors.ts";

/** Keys whose value may be undefined become optional keys without undefined. */
export type Defined<T> = { [K in keyof T]?: Exclude<T[K], undefined> };

/** A copy without the keys whose value is undefined (exactOptionalPropertyTypes keeps "absent" and "undefined" apart). */
export function withoutUndefined<T extends Record<string, unknown>>(value: T): Defined<T> {
  return Object.fromEntries(Object.entries(value).filter(([, child]) => child !== undefined)) as Defined<T>;
}

function text(content: OpenAIChatMessage["content"]): string | undefined {
  if (content === null || content === undefined) return undefined;
  return typeof content === "string" ? content : content.map((part) => part.text ?? "").join("\n");
}

/** Arguments arrive as a JSON string (OpenAI); the AgentRequest schema parses it to an object. */
function toMessage(message: OpenAIChatMessage) {
  return withoutUndefined({
    role: message.role === "developer" ? "system" : message.role,
    content: text(message.content),
    name: message.name,
    tool_call_id: message.tool_call_id,
    reasoning_content: message.reasoning_content ?? undefined,
    tool_calls: message.tool_calls?.map((call) => ({ id: call.id, name: call.function.name, arguments: call.function.arguments })),
  });
}

function toolChoiceOf(choice: OpenAIChatRequest["tool_choice"]) {
  if (choice === undefined) return undefined;
  return typeof choice === "string" ? { mode: choice } : { mode: "function", function_name: choice.function.name };
}

function responseFormatOf(format: OpenAIChatRequest["response_format"]) {
  if (format === undefined || format.type === "text") return undefined;
  if (format.type === "json_object") return { type: "json_object" };
  const { name, schema, strict } = format.json_schema;
  return { type: "json_schema", name, schema, strict: strict ?? undefined };
}

/**
 * An OpenAI chat request as the AgentRequest every door hands the pipeline. The result is
 * parsed with the AgentRequest schema and OpenAI's message rules (tool results need
 * tool_call_id, …), so a 400 names the same field path the client sent.
 */
export function toAgentRequest(body: OpenAIChatRequest, requestId: string, stream: boolean): AgentRequest {
  const maxTokens = body.max_completion_tokens ?? body.max_tokens ?? undefined;
  const raw = withoutUndefined({
    request_id: requestId,
    model: body.model,
    messages: body.messages.map(toMessage),
    max_tokens: maxTokens,
    temperature: body.temperature ?? undefined,
    tools: body.tools?.map(({ function: fn }) => ({ name: fn.name, description: fn.description, parameters: fn.parameters, strict: fn.strict ?? undefined })),
    tool_choice: toolChoiceOf(body.tool_choice),
    response_format: responseFormatOf(body.response_format),
    metadata: body.metadata ?? undefined,
    stream: stream || undefined,
  });
  return parseOrThrow(openAIAgentRequestSchema, raw, "body");
}
