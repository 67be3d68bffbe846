import type {
  ChatCompletionCreateParamsNonStreaming,
  ChatCompletionMessageParam,
  ChatCompletionTool,
  ChatCompletionToolChoiceOption,
} from "openai/resources/chat/completions";
import type { AgentRequest, ChatMessage, ResponseFormat, ToolChoice } from "../core/agent-request.ts";
import type { EndpointConfig } from "../config/config-schema.ts";
import { adapterFor, type ProviderAdapter, toProviderMessages } from "./provider-adapters.ts";

function toMessageParam(message: ChatMessage): ChatCompletionMessageParam {
  const content = message.content ?? "";
  switch (message.role) {
    case "system":
      return { role: "system", content };
    case "user":
      return message.name ? { role: "user", content, name: message.name } : { role: "user", content };
    case "tool":
      // `name` is not in OpenAI's type but Gemini needs it; OpenAI ignores it.
      return { role: "tool", content, tool_call_id: message.tool_call_id ?? "", ...(message.name ? { name: message.name } : {}) };
    case "assistant": {
      // reasoning_content is never sent back to providers.
      const toolCalls = message.tool_calls?.map((call) => ({
        id: call.id,
        type: "function" as const,
        function: { name: call.name, arguments: JSON.stringify(call.arguments ?? {}) },
      }));
      return toolCalls && toolCalls.length > 0
        ? { role: "assistant", content: message.content ?? null, tool_calls: toolCalls }
        : { role: "assistant", content };
    }
    default:
      // A role the loop does not build (e.g. OpenAI's "developer"): forwarded as it came, as semstreams does.
      return { role: message.role, content } as unknown as ChatCompletionMessageParam;
  }
}

function toToolChoice(choice: ToolChoice): ChatCompletionToolChoiceOption {
  return choice.mode === "function" ? { type: "function", function: { name: choice.function_name ?? "" } } : choice.mode;
}

function toResponseFormat(format: ResponseFormat): NonNullable<ChatCompletionCreateParamsNonStreaming["response_format"]> {
  if (format.type === "json_object") return { type: "json_object" };
  return {
    type: "json_schema",
    json_schema: { name: format.name ?? "response", schema: format.schema ?? {}, strict: format.strict ?? true },
  };
}

function toTool(tool: NonNullable<AgentRequest["tools"]>[number]): ChatCompletionTool {
  return {
    type: "function",
    function: {
      name: tool.name,
      description: tool.description,
      parameters: tool.parameters ?? { type: "object", properties: {} },
      ...(tool.strict ? { strict: true } : {}),
    },
  };
}

/**
 * Maps an AgentRequest onto the Chat Completions body for one endpoint: the endpoint's
 * provider model id (never the routing name), max_tokens from the request or the
 * endpoint's max_output_tokens, temperature when set (the NATS door drops semstreams' 0 = unset
 * before this), options → chat_template_kwargs.
 */
export function buildChatParams(
  request: AgentRequest,
  endpoint: EndpointConfig,
  adapter: ProviderAdapter = adapterFor(endpoint.provider),
): ChatCompletionCreateParamsNonStreaming {
  const params: ChatCompletionCreateParamsNonStreaming & { chat_template_kwargs?: Record<string, unknown> } = {
    model: endpoint.model,
    messages: toProviderMessages(request.messages, adapter, toMessageParam),
  };
  const maxTokens = request.max_tokens || endpoint.max_output_tokens;
  if (maxTokens) params.max_tokens = maxTokens;
  if (request.temperature !== undefined) params.temperature = request.temperature;
  if (request.tools && request.tools.length > 0 && endpoint.supports_tools) {
    params.tools = request.tools.map(toTool);
    if (request.tool_choice) params.tool_choice = toToolChoice(request.tool_choice);
  }
  if (request.response_format) params.response_format = toResponseFormat(request.response_format);
  if (endpoint.reasoning_effort) params.reasoning_effort = endpoint.reasoning_effort;
  if (endpoint.options) params.chat_template_kwargs = { ...endpoint.options };
  return params;
}
