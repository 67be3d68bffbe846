import type { ChatMessage } from "../core/agent-request.ts";
import type { CompleteInput, StoredAnswer } from "../core/inference-store.ts";
import { answerOf, type AnswerRecord, selectAnswers } from "./claim-statements.ts";
import type { StoreTicket } from "./begin-batch.ts";
import { extendHistoryHash } from "./session-history.ts";
import type { SqlPort, SqlStatement } from "./sql-port.ts";
import { sqlDateTime, sqlJson, tuples } from "./sql-values.ts";
import { uuidV7 } from "./uuid-v7.ts";
import { usageCost } from "../core/agent-response.ts";

export interface CompleteItem extends CompleteInput {
  readonly ticket: StoreTicket;
}

const insertConversations = "INSERT IGNORE INTO conversations (id, created_at, updated_at) VALUES ";

/** The outcome transaction's statement heads (exported for bench/profile/complete-rows.ts, which times them). */
export const upsertSessions = [
  "INSERT INTO sessions (id, agent_id, conversation_id, external_key, parent_session_id, status, message_count, history_hash, created_at, updated_at) VALUES ",
  " ON DUPLICATE KEY UPDATE message_count = VALUES(message_count), history_hash = VALUES(history_hash), updated_at = VALUES(updated_at)",
] as const;

export const insertMessages =
  "INSERT INTO messages (id, session_id, position, role, content, name, tool_calls, tool_call_id, reasoning, model, metadata, created_at) VALUES ";
const messageColumns = 12;

export const insertInferences = `INSERT INTO inferences (id, request_id, session_id, owner, endpoint, provider_model, status, finish_reason,
    prompt_tokens, completion_tokens, cost, retry_count, latency_ms, error_code, error_text, response, wire_form, created_at, completed_at) VALUES `;

/** Appends one message row's 12 values (the `messages` columns, in order) to `values`. */
function pushMessageRow(values: unknown[], sessionId: string, position: number, message: ChatMessage, model: string | null, createdAt: string): void {
  const metadata = message.reasoning_records || message.is_error ? { reasoning_records: message.reasoning_records, is_error: message.is_error } : undefined;
  values.push(
    uuidV7(),
    sessionId,
    position,
    message.role,
    message.content ?? null,
    message.name ?? null,
    sqlJson(message.tool_calls),
    message.tool_call_id ?? null,
    message.reasoning_content ?? null,
    model,
    sqlJson(metadata),
    createdAt,
  );
}

/** The messages an item writes: the new incoming ones, then the assistant's answer if there is one. */
function plannedWrites(item: CompleteItem, at: string, messageValues: unknown[]) {
  const { session } = item.ticket;
  let count = 0;
  for (const message of session.newMessages) {
    pushMessageRow(messageValues, session.id, session.startPosition + count, message, null, at);
    count += 1;
  }
  let historyHash = session.historyHash;
  if (item.response.status !== "error") {
    const reply: ChatMessage = { ...item.response.message, role: "assistant" };
    pushMessageRow(messageValues, session.id, session.startPosition + count, reply, item.response.provider_model ?? null, at);
    count += 1;
    historyHash = extendHistoryHash(historyHash, item.response.message);
  }
  return { messageCount: session.startPosition + count, historyHash };
}

/**
 * Writes a batch of outcomes in one transaction of at most four statements, whatever the
 * batch size: conversations referenced by new sessions, session rows (new or advanced),
 * all messages, and every inference's outcome with the response exactly as published.
 * Resolves, per item, with the answer the store holds for the request: the item's own, or
 * the one stored before (storedAnswer).
 * Each statement is SQL text built from constants with `?` tuples; every value is bound.
 */
export async function completeBatch(sql: SqlPort, items: readonly CompleteItem[], now: () => number): Promise<StoredAnswer[]> {
  const at = sqlDateTime(new Date(now()));
  const messageValues: unknown[] = [];
  const sessionValues: unknown[] = [];
  const inferenceValues: unknown[] = [];
  const conversations = new Set<string>();
  for (const item of items) {
    const { session } = item.ticket;
    const { messageCount, historyHash } = plannedWrites(item, at, messageValues);
    if (session.create && session.conversationId) conversations.add(session.conversationId);
    sessionValues.push(
      session.id,
      session.agentId ?? null,
      session.conversationId ?? null,
      session.externalKey ?? null,
      session.parentSessionId ?? null,
      "active",
      messageCount,
      historyHash,
      at,
      at,
    );
    const { response, ticket } = item;
    inferenceValues.push(
      ticket.inferenceId,
      ticket.requestId,
      ticket.session.id,
      ticket.owner,
      response.endpoint ?? null,
      response.provider_model ?? null,
      response.status,
      response.finish_reason ?? null,
      response.token_usage.prompt_tokens,
      response.token_usage.completion_tokens,
      usageCost(item.response.token_usage, item.costPerMillion),
      response.retry_count ?? 0,
      response.latency_ms ?? 0,
      response.error_code ?? null,
      response.error ?? null,
      sqlJson(response),
      item.wireForm,
      ticket.claimedAt,
      at,
    );
  }

  const statements: SqlStatement[] = [];
  if (conversations.size > 0) {
    const values = [...conversations].flatMap((id) => [id, at, at]);
    statements.push({ sql: insertConversations + tuples(conversations.size, 3), values });
  }
  statements.push({ sql: upsertSessions[0] + tuples(items.length, 10) + upsertSessions[1], values: sessionValues });
  if (messageValues.length > 0) {
    statements.push({ sql: insertMessages + tuples(messageValues.length / messageColumns, messageColumns), values: messageValues });
  }
  statements.push({ sql: insertInferences + tuples(items.length, 19), values: inferenceValues });

  try {
    await sql.transaction(statements);
  } catch (error) {
    const stored = items.length === 1 && isDuplicateKey(error) ? await storedAnswer(sql, items[0] as CompleteItem) : undefined;
    if (!stored) throw error;
    return [stored];
  }
  return items.map((item) => ({ response: item.response, answeredBefore: false }));
}

/** ER_DUP_ENTRY: a row with that key exists. */
function isDuplicateKey(error: unknown): boolean {
  return (error as { errno?: unknown } | null)?.errno === 1062;
}

/**
 * An outcome that collided with a row already there: if the request has a stored answer, that
 * is its answer — this process's own, written by an attempt whose reply was lost, or another
 * process's, which claimed the request while this one held it (only if the claims table was
 * emptied by a restart of the database). A batch fails whole and GroupCommit writes its items
 * one by one, so this only looks at single items.
 */
async function storedAnswer(sql: SqlPort, item: CompleteItem): Promise<StoredAnswer | undefined> {
  const [record] = await sql.query<AnswerRecord>(selectAnswers([item.ticket.requestId]));
  if (!record) return undefined;
  return { response: answerOf(record), answeredBefore: record.id !== item.ticket.inferenceId };
}
