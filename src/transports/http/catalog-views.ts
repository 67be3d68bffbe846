import type { AgentRecord, ConversationRecord, InferenceRecord, MessageRecord, SessionRecord } from "../../store/catalog-records.ts";

/** JSON views of catalog rows: snake_case, ISO timestamps, absent values as null. */
export function agentView(agent: AgentRecord, unsupportedModels: readonly string[]) {
  return {
    id: agent.id,
    key: agent.key,
    display_name: agent.displayName,
    system_prompt: agent.systemPrompt,
    default_model: agent.defaultModel,
    fallback_models: agent.fallbackModels,
    temperature: agent.temperature,
    tools: agent.tools,
    metadata: agent.metadata,
    budget: agent.budget,
    unsupported_models: unsupportedModels,
    created_at: agent.createdAt.toISOString(),
    updated_at: agent.updatedAt.toISOString(),
  };
}

export function conversationView(conversation: ConversationRecord) {
  return {
    id: conversation.id,
    agent_id: conversation.agentId,
    title: conversation.title,
    metadata: conversation.metadata,
    created_at: conversation.createdAt.toISOString(),
    updated_at: conversation.updatedAt.toISOString(),
  };
}

export function sessionView(session: SessionRecord) {
  return {
    id: session.id,
    agent_id: session.agentId,
    conversation_id: session.conversationId,
    external_key: session.externalKey,
    parent_session_id: session.parentSessionId,
    model: session.modelOverride,
    temperature: session.temperatureOverride,
    allowed_tools: session.allowedTools,
    status: session.status,
    message_count: session.messageCount,
    metadata: session.metadata,
    created_at: session.createdAt.toISOString(),
    updated_at: session.updatedAt.toISOString(),
  };
}

export function messageView(message: MessageRecord) {
  return {
    id: message.id,
    position: message.position,
    role: message.role,
    content: message.content,
    name: message.name,
    tool_calls: message.toolCalls,
    tool_call_id: message.toolCallId,
    reasoning_content: message.reasoning,
    model: message.model,
    metadata: message.metadata,
    created_at: message.createdAt.toISOString(),
  };
}

export function inferenceView(inference: InferenceRecord) {
  return {
    id: inference.id,
    request_id: inference.requestId,
    created_at: inference.createdAt.toISOString(),
    completed_at: inference.completedAt?.toISOString() ?? null,
    endpoint: inference.endpoint,
    provider_model: inference.providerModel,
    status: inference.status,
    finish_reason: inference.finishReason,
    prompt_tokens: inference.promptTokens,
    completion_tokens: inference.completionTokens,
    cost: inference.cost,
    latency_ms: inference.latencyMs,
    retry_count: inference.retryCount,
    error_code: inference.errorCode,
    session_id: inference.sessionId,
    loop_id: inference.loopId,
    agent: inference.agent,
  };
}
