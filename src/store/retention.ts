import type { SqlPort, SqlStatement } from "./sql-port.ts";
import { placeholders, sqlDateTime } from "./sql-values.ts";

/** Rows deleted (or, in a dry run, that would be), by table. */
export interface PurgeCounts {
  inferences: number;
  messages: number;
  sessions: number;
  conversations: number;
}

export interface PurgeOptions {
  /** Rows older than this go: inferences by creation, sessions and conversations by their last change. */
  readonly cutoff: Date;
  /** Rows per DELETE: each statement's locks and undo stay small. */
  readonly batchSize: number;
  /** Pause between two DELETEs, so the purge never holds the database for long. */
  readonly pauseMs: number;
  readonly signal?: AbortSignal | undefined;
  /** Called after each DELETE with what it removed (for the metric). */
  readonly onDeleted?: ((table: keyof PurgeCounts, rows: number) => void) | undefined;
}

/**
 * The lowest UUIDv7 of a millisecond (uuid-v7.ts): every inference id the store makes sorts
 * after it when made later, so `id < floor` walks the primary key from its oldest end.
 */
export function uuidV7Floor(at: Date): string {
  const hex = Math.max(0, at.getTime()).toString(16).padStart(12, "0").slice(-12);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-7000-8000-000000000000`;
}

/** Inferences made before the cutoff: a primary-key range (ids are UUIDv7), checked against created_at. */
const deleteInferences = (cutoff: Date, limit: number): SqlStatement => ({
  sql: "DELETE FROM inferences WHERE id < ? AND created_at < ? LIMIT ?",
  values: [uuidV7Floor(cutoff), sqlDateTime(cutoff), limit],
});

const idleSessions = (cutoff: Date, limit: number): SqlStatement => ({
  sql: "SELECT id FROM sessions WHERE updated_at < ? LIMIT ?",
  values: [sqlDateTime(cutoff), limit],
});

/** Of these sessions, those still idle (one that took a turn meanwhile keeps its messages). */
const stillIdle = (sessionIds: readonly string[], cutoff: Date): SqlStatement => ({
  sql: `SELECT id FROM sessions WHERE id IN (${placeholders(sessionIds.length)}) AND updated_at < ?`,
  values: [...sessionIds, sqlDateTime(cutoff)],
});

/** Messages by their session ids: the (session_id, position) index, no subquery (a DELETE with one cannot use a semijoin). */
const deleteMessagesOf = (sessionIds: readonly string[], limit: number): SqlStatement => ({
  sql: `DELETE FROM messages WHERE session_id IN (${placeholders(sessionIds.length)}) LIMIT ?`,
  values: [...sessionIds, limit],
});

const deleteSessions = (sessionIds: readonly string[], cutoff: Date): SqlStatement => ({
  sql: `DELETE FROM sessions WHERE id IN (${placeholders(sessionIds.length)}) AND updated_at < ? AND NOT EXISTS (SELECT 1 FROM messages WHERE messages.session_id = sessions.id)`,
  values: [...sessionIds, sqlDateTime(cutoff)],
});

/** Conversations left without a session (their last one went), unchanged since the cutoff: found by a read, deleted by primary key. */
const emptyConversations = (cutoff: Date, limit: number): SqlStatement => ({
  sql: "SELECT id FROM conversations WHERE updated_at < ? AND NOT EXISTS (SELECT 1 FROM sessions WHERE sessions.conversation_id = conversations.id) LIMIT ?",
  values: [sqlDateTime(cutoff), limit],
});

const deleteConversations = (ids: readonly string[]): SqlStatement => ({
  sql: `DELETE FROM conversations WHERE id IN (${placeholders(ids.length)}) AND NOT EXISTS (SELECT 1 FROM sessions WHERE sessions.conversation_id = conversations.id)`,
  values: [...ids],
});

const sleep = (ms: number, signal: AbortSignal | undefined) =>
  new Promise<void>((resolve) => {
    if (ms <= 0 || signal?.aborted) return resolve();
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => (clearTimeout(timer), resolve()), { once: true });
  });

/**
 * Deletes what is older than the cutoff, in small batches with a pause between them, never
 * touching agents: inferences; then idle sessions, their messages first (a session's messages
 * go with it, never one by one), then the sessions; then conversations whose last session went.
 * Stops early, between two batches, when `signal` aborts.
 */
export async function purgeOlderThan(sql: SqlPort, options: PurgeOptions): Promise<PurgeCounts> {
  const counts: PurgeCounts = { inferences: 0, messages: 0, sessions: 0, conversations: 0 };
  const { cutoff, batchSize, signal } = options;
  const deleted = async (table: keyof PurgeCounts, statement: SqlStatement): Promise<number> => {
    const rows = await sql.execute(statement);
    counts[table] += rows;
    if (rows > 0) options.onDeleted?.(table, rows);
    await sleep(options.pauseMs, signal);
    return rows;
  };
  while (!signal?.aborted && (await deleted("inferences", deleteInferences(cutoff, batchSize))) === batchSize);
  const ids = async (statement: SqlStatement) => (await sql.query<{ id: string }>(statement)).map((row) => row.id);
  while (!signal?.aborted) {
    const found = await ids(idleSessions(cutoff, batchSize));
    if (found.length === 0) break;
    const sessions = await ids(stillIdle(found, cutoff));
    if (sessions.length === 0) continue;
    while (!signal?.aborted && (await deleted("messages", deleteMessagesOf(sessions, batchSize))) === batchSize);
    if (signal?.aborted) break;
    const removed = await deleted("sessions", deleteSessions(sessions, cutoff));
    if (removed === 0) break; // all of them took a turn meanwhile
  }
  while (!signal?.aborted) {
    const conversations = await ids(emptyConversations(cutoff, batchSize));
    if (conversations.length === 0) break;
    await deleted("conversations", deleteConversations(conversations));
    if (conversations.length < batchSize) break;
  }
  return counts;
}

/** What purgeOlderThan would delete now (a dry run: counts only). */
export async function countOlderThan(sql: SqlPort, cutoff: Date): Promise<PurgeCounts> {
  const at = sqlDateTime(cutoff);
  const [row] = await sql.query<Record<keyof PurgeCounts, number | string | bigint>>({
    sql:
      "SELECT (SELECT COUNT(*) FROM inferences WHERE id < ? AND created_at < ?) AS inferences, " +
      "(SELECT COUNT(*) FROM messages WHERE session_id IN (SELECT id FROM sessions WHERE updated_at < ?)) AS messages, " +
      "(SELECT COUNT(*) FROM sessions WHERE updated_at < ?) AS sessions, " +
      "(SELECT COUNT(*) FROM conversations c WHERE c.updated_at < ? AND NOT EXISTS (SELECT 1 FROM sessions s WHERE s.conversation_id = c.id AND s.updated_at >= ?)) AS conversations",
    values: [uuidV7Floor(cutoff), at, at, at, at, at],
  });
  return {
    inferences: Number(row?.inferences ?? 0),
    messages: Number(row?.messages ?? 0),
    sessions: Number(row?.sessions ?? 0),
    conversations: Number(row?.conversations ?? 0),
  };
}

export interface RetentionSweeperOptions {
  /** store.retention: rows older than this go. */
  readonly retentionMs: number;
  readonly intervalMs: number;
  readonly batchSize: number;
  readonly pauseMs: number;
  readonly now?: () => number;
  readonly onDeleted?: ((table: keyof PurgeCounts, rows: number) => void) | undefined;
  /** A purge that failed (the database away): it runs again at the next interval. */
  readonly onError?: ((error: unknown) => void) | undefined;
}

/**
 * store.retention off the request path: a purge shortly after start, then every interval, one at
 * a time, in small batches (purgeOlderThan). close() stops it between two batches.
 */
export class RetentionSweeper {
  private readonly abort = new AbortController();
  private readonly timer: NodeJS.Timeout;
  private readonly first: NodeJS.Timeout;
  private running: Promise<void> | undefined;

  constructor(
    private readonly sql: SqlPort,
    private readonly options: RetentionSweeperOptions,
  ) {
    this.first = setTimeout(() => this.sweep(), Math.min(5_000, options.intervalMs)).unref();
    this.timer = setInterval(() => this.sweep(), options.intervalMs).unref();
  }

  /** Runs a purge now unless one is running; resolves when it is done. */
  sweep(): Promise<void> {
    this.running ??= this.purge().finally(() => (this.running = undefined));
    return this.running;
  }

  async close(): Promise<void> {
    clearTimeout(this.first);
    clearInterval(this.timer);
    this.abort.abort();
    await this.running;
  }

  private async purge(): Promise<void> {
    if (this.abort.signal.aborted) return;
    const now = this.options.now ?? Date.now;
    try {
      await purgeOlderThan(this.sql, {
        cutoff: new Date(now() - this.options.retentionMs),
        batchSize: this.options.batchSize,
        pauseMs: this.options.pauseMs,
        signal: this.abort.signal,
        onDeleted: this.options.onDeleted,
      });
    } catch (error) {
      this.options.onError?.(error);
    }
  }
}
