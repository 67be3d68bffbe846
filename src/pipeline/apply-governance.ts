import type { AgentRequest } from "../core/agent-request.ts";
import type { AgentSettings, SessionSettings } from "../core/governance.ts";

export interface GovernedRequest {
  readonly request: AgentRequest;
  /** Models tried, in order, when the request's model fails after its retries. */
  readonly fallbackModels: readonly string[];
}

/**
 * Fills what the request leaves open from the session, then the agent: request fields win
 * over session overrides, which win over agent settings. The agent's system prompt is
 * sent when the request has no system message (it is not stored as a session message).
 */
export function applyGovernance(request: AgentRequest, agent?: AgentSettings, session?: SessionSettings): GovernedRequest {
  if (!agent && !session) return { request, fallbackModels: [] };
  const governed: AgentRequest = { ...request };
  const model = request.model || session?.modelOverride || agent?.defaultModel;
  if (model) governed.model = model;
  const temperature = request.temperature ?? session?.temperatureOverride ?? agent?.temperature;
  if (temperature !== undefined) governed.temperature = temperature;
  if (agent?.systemPrompt && !request.messages.some((message) => message.role === "system")) {
    governed.messages = [{ role: "system", content: agent.systemPrompt }, ...request.messages];
  }
  const tools = request.tools ?? agent?.tools;
  if (tools) {
    const allowed = session?.allowedTools;
    governed.tools = allowed ? tools.filter((tool) => allowed.includes(tool.name)) : [...tools];
  }
  const fallbackModels = (agent?.fallbackModels ?? []).filter((name) => name !== governed.model);
  return { request: governed, fallbackModels };
}
