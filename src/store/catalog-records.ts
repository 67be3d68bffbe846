import type { BudgetConfig } from "../config/config-schema.ts";
import type { ToolCall, ToolDefinition } from "../core/agent-request.ts";

/**
 * What the HTTP catalog reads and writes, in domain terms (no Prisma types leak out of
 * src/store). Absent optional columns are null, as in the database.
 */
export interface AgentFields {
  readonly key: string;
  readonly displayName: string;
  readonly systemPrompt: string | null;
  readonly defaultModel: string | null;
  readonly fallbackModels: readonly string[];
  readonly temperature: number | null;
  readonly tools: readonly ToolDefinition[] | null;
  readonly metadata: Record<string, unknown> | null;
  readonly budget: BudgetConfig | null;
}

export interface AgentRecord extends AgentFields {
  readonly id: string;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export interface ConversationRecord {
  readonly id: string;
  readonly agentId: string | null;
  readonly title: string | null;
  readonly metadata: Record<string, unknown> | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export interface SessionRecord {
  readonly id: string;
  readonly agentId: string | null;
  readonly conversationId: string | null;
  readonly externalKey: string | null;
  readonly parentSessionId: string | null;
  readonly modelOverride: string | null;
  readonly temperatureOverride: number | null;
  readonly allowedTools: readonly string[] | null;
  readonly status: string;
  readonly messageCount: number;
  readonly metadata: Record<string, unknown> | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export interface MessageRecord {
  readonly id: string;
  readonly sessionId: string;
  readonly position: number;
  readonly role: string;
  readonly content: string | null;
  readonly name: string | null;
  readonly toolCalls: readonly ToolCall[] | null;
  readonly toolCallId: string | null;
  readonly reasoning: string | null;
  readonly model: string | null;
  readonly metadata: Record<string, unknown> | null;
  readonly createdAt: Date;
}

/** One stored inference for the operator's list, with its session's loop and agent. */
export interface InferenceRecord {
  readonly id: string;
  readonly requestId: string;
  readonly sessionId: string | null;
  readonly endpoint: string | null;
  readonly providerModel: string | null;
  readonly status: string | null;
  readonly finishReason: string | null;
  readonly promptTokens: number;
  readonly completionTokens: number;
  readonly cost: number;
  readonly retryCount: number;
  readonly latencyMs: number;
  readonly errorCode: string | null;
  /** The session's external key: the NATS loop_id it was found or created by. */
  readonly loopId: string | null;
  /** The key of the session's catalog agent. */
  readonly agent: string | null;
  readonly createdAt: Date;
  readonly completedAt: Date | null;
}

/** One page of a list; `last` is the row a following page starts after, when there is one. */
export interface Page<T> {
  readonly items: readonly T[];
  readonly last: T | undefined;
}

/** Position in a list ordered by (created_at, id). */
export interface TimeCursor {
  readonly createdAt: Date;
  readonly id: string;
}

/** Reads `limit + 1` rows to learn whether another page follows, without a COUNT. */
export function pageOf<T>(rows: readonly T[], limit: number): Page<T> {
  const items = rows.slice(0, limit);
  return { items, last: rows.length > limit ? items.at(-1) : undefined };
}
