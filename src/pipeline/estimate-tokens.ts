import type { AgentRequest } from "../core/agent-request.ts";
import type { EndpointConfig } from "../config/config-schema.ts";

/** Output budget assumed when neither the request nor the endpoint caps it. */
const defaultOutputTokens = 1_024;

/**
 * A call's charge against the endpoint's token budget before it is sent: about four
 * characters a token for the prompt (messages, tool-call arguments, tool schemas), plus
 * the most it may write. The provider's reported usage corrects it afterwards.
 */
export function estimateTokens(request: AgentRequest, endpoint: EndpointConfig): number {
  let characters = 0;
  for (const message of request.messages) {
    characters += (message.content?.length ?? 0) + (message.name?.length ?? 0) + 4;
    for (const call of message.tool_calls ?? []) characters += call.name.length + JSON.stringify(call.arguments ?? {}).length;
  }
  if (request.tools) characters += JSON.stringify(request.tools).length;
  return Math.ceil(characters / 4) + (request.max_tokens || endpoint.max_output_tokens || defaultOutputTokens);
}
