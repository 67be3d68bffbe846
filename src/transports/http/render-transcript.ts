import type { AgentRecord, MessageRecord, SessionRecord } from "../../store/catalog-records.ts";
import { messageView, sessionView } from "./catalog-views.ts";

export interface SessionTranscript {
  readonly session: SessionRecord;
  readonly agent: AgentRecord | undefined;
  readonly messages: readonly MessageRecord[];
}

export function transcriptJson(transcript: SessionTranscript) {
  const { agent } = transcript;
  return {
    session: sessionView(transcript.session),
    agent: agent ? { id: agent.id, key: agent.key, display_name: agent.displayName, system_prompt: agent.systemPrompt } : null,
    messages: transcript.messages.map(messageView),
  };
}

function messageLines(message: MessageRecord): string[] {
  const lines: string[] = [];
  const label = message.role === "tool" ? `tool (${message.toolCallId ?? "?"})` : message.role;
  if (message.reasoning) lines.push(`${label} [reasoning]: ${message.reasoning}`);
  if (message.content) lines.push(`${label}: ${message.content}`);
  for (const call of message.toolCalls ?? []) lines.push(`${label} → ${call.name}(${JSON.stringify(call.arguments ?? {})}) [${call.id}]`);
  if (lines.length === 0) lines.push(`${label}:`);
  return lines;
}

/**
 * Plain text for people: a header per session, the agent's system prompt (sent first on
 * every turn, never stored as a message), then one line per message, tool call and tool
 * result, in order.
 */
export function transcriptText(transcript: SessionTranscript): string {
  const { session, agent } = transcript;
  const header = `# session ${session.id}${agent ? ` · agent ${agent.key}` : ""} · ${session.createdAt.toISOString()}`;
  const prompt = agent?.systemPrompt ? [`system (agent prompt): ${agent.systemPrompt}`] : [];
  return [header, ...prompt, ...transcript.messages.flatMap(messageLines)].join("\n") + "\n";
}
