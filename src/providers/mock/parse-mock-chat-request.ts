/**
 * The parts of an OpenAI chat completion request the mock reads, checked by hand (no zod)
 * because this runs on every request of a benchmark. Everything else in the body is kept
 * as-is in the recorded request and otherwise ignored.
 */

export interface MockChatMessage {
  readonly role: string;
  readonly content?: unknown;
  readonly tool_calls?: unknown;
}

export interface MockChatTool {
  readonly type?: string;
  readonly function?: { readonly name?: string; readonly parameters?: unknown };
}

export interface MockChatRequest {
  readonly model: string;
  readonly messages: readonly MockChatMessage[];
  readonly stream: boolean;
  readonly includeUsage: boolean;
  readonly tools: readonly MockChatTool[];
}

/** A parsed request body: the request, or what is wrong with it (an OpenAI 400's message and param). */
export type ParseMockChatResult<Request extends MockChatRequest = MockChatRequest> =
  { readonly ok: true; readonly request: Request } | { readonly ok: false; readonly message: string; readonly param: string };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function invalid(message: string, param: string): ParseMockChatResult {
  return { ok: false, message, param };
}

/** Validates a parsed JSON body as a chat completion request (model + non-empty messages). */
export function parseMockChatRequest(body: unknown): ParseMockChatResult {
  if (!isRecord(body)) return invalid("The request body must be a JSON object.", "body");
  const { model, messages, stream, stream_options: streamOptions, tools } = body;
  if (typeof model !== "string" || model.length === 0) {
    return invalid("you must provide a model parameter", "model");
  }
  if (!Array.isArray(messages) || messages.length === 0) {
    return invalid("'messages' must be a non-empty array", "messages");
  }
  for (const [index, message] of messages.entries()) {
    if (!isRecord(message) || typeof message.role !== "string") {
      return invalid(`'messages.${index}' must be an object with a string 'role'`, `messages.${index}`);
    }
  }
  return {
    ok: true,
    request: {
      model,
      messages: messages as MockChatMessage[],
      stream: stream === true,
      includeUsage: isRecord(streamOptions) && streamOptions.include_usage === true,
      tools: Array.isArray(tools) ? tools.filter(isRecord) : [],
    },
  };
}

/** The text of a message: a string content, or the text parts of a content array. */
export function messageText(message: MockChatMessage): string {
  const { content } = message;
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  let text = "";
  for (const part of content) {
    if (isRecord(part) && typeof part.text === "string") text += part.text;
  }
  return text;
}

/** The last message with role "user", if any. */
export function lastUserMessage(request: MockChatRequest): MockChatMessage | undefined {
  for (let index = request.messages.length - 1; index >= 0; index -= 1) {
    const message = request.messages[index];
    if (message?.role === "user") return message;
  }
  return undefined;
}

/** Deterministic prompt-size estimate: ceil(characters of all messages / 4), at least 1. */
export function estimatePromptTokens(request: MockChatRequest): number {
  let chars = 0;
  for (const message of request.messages) {
    chars += messageText(message).length;
    if (Array.isArray(message.tool_calls)) {
      for (const call of message.tool_calls) {
        if (isRecord(call) && isRecord(call.function) && typeof call.function.arguments === "string") {
          chars += call.function.arguments.length;
        }
      }
    }
  }
  return Math.max(1, Math.ceil(chars / 4));
}
