import type { AgentRequest, ChatMessage } from "../core/agent-request.ts";
import type { AgentResponse } from "../core/agent-response.ts";
import type { BeginOutcome, InferenceTicket } from "../core/inference-store.ts";
import type { AgentSettings } from "../core/governance.ts";
import type { Session } from "../generated/prisma/client.ts";
import type { JsonValue } from "../generated/prisma/internal/prismaNamespace.ts";
import type { AgentCache } from "./agent-cache.ts";
import { sessionSettingsFromRow } from "./agent-settings-from-row.ts";
import { planHistoryAppend } from "./plan-history-append.ts";
import type { SqlPort } from "./sql-port.ts";
import { placeholders, tuples } from "./sql-tuples.ts";
import { parseSqlDateTime, parseSqlJson, sqlDateTime } from "./sql-values.ts";
import { randomHex } from "./random-hex.ts";
import { uuidV7 } from "./uuid-v7.ts";

/** How a claimed request's messages will be written: to an existing session or a new one. */
export interface SessionWrite {
  readonly id: string;
  readonly create: boolean;
  readonly parentSessionId?: string | undefined;
  readonly externalKey?: string | undefined;
  readonly conversationId?: string | undefined;
  readonly agentId?: string | undefined;
  readonly startPosition: number;
  readonly newMessages: readonly ChatMessage[];
  readonly historyHash: string;
}

export interface StoreTicket extends InferenceTicket {
  readonly session: SessionWrite;
}

export interface BeginItem {
  readonly request: AgentRequest;
  readonly leaseMs: number;
  readonly wireForm: string;
}

type SessionRow = Pick<
  Session,
  "id" | "agentId" | "conversationId" | "externalKey" | "createdAt" | "messageCount" | "historyHash" | "modelOverride" | "temperatureOverride" | "allowedTools"
>;

/** A session row as the raw SELECT returns it (snake_case; DATETIME as a UTC string, JSON as text or parsed). */
interface SessionRecord {
  id: string;
  agent_id: string | null;
  conversation_id: string | null;
  external_key: string | null;
  created_at: string;
  message_count: number;
  history_hash: string;
  model_override: string | null;
  temperature_override: number | null;
  allowed_tools: unknown;
}

const sessionSelect =
  "SELECT id, agent_id, conversation_id, external_key, created_at, message_count, history_hash, model_override, temperature_override, allowed_tools FROM sessions";

function sessionRow(record: SessionRecord): SessionRow {
  return {
    id: record.id,
    agentId: record.agent_id,
    conversationId: record.conversation_id,
    externalKey: record.external_key,
    createdAt: parseSqlDateTime(record.created_at),
    messageCount: Number(record.message_count),
    historyHash: record.history_hash,
    modelOverride: record.model_override,
    temperatureOverride: record.temperature_override === null ? null : Number(record.temperature_override),
    allowedTools: parseSqlJson<JsonValue>(record.allowed_tools),
  };
}

async function loadSessions(sql: SqlPort, items: readonly BeginItem[]) {
  const ids = items.flatMap((item) => (item.request.session_id ? [item.request.session_id] : []));
  const keys = items.flatMap((item) => (!item.request.session_id && item.request.loop_id ? [item.request.loop_id] : []));
  if (ids.length === 0 && keys.length === 0) return { byId: new Map<string, SessionRow>(), byKey: new Map<string, SessionRow>() };
  const where = [
    ...(ids.length > 0 ? [`id IN (${placeholders(ids.length)})`] : []),
    ...(keys.length > 0 ? [`external_key IN (${placeholders(keys.length)})`] : []),
  ];
  const records = await sql.query<SessionRecord>({ sql: `${sessionSelect} WHERE ${where.join(" OR ")} ORDER BY created_at ASC`, values: [...ids, ...keys] });
  const rows = records.map(sessionRow);
  const byId = new Map(rows.map((row) => [row.id, row]));
  // Branches share a key; the newest one carries the conversation on.
  const byKey = new Map(rows.flatMap((row) => (row.externalKey ? [[row.externalKey, row] as const] : [])));
  return { byId, byKey };
}

function planSession(request: AgentRequest, existing: SessionRow | undefined, agent: AgentSettings | undefined): SessionWrite {
  const incoming = request.messages;
  if (existing) {
    const plan = planHistoryAppend(existing, incoming);
    if (plan.kind === "append") {
      return { id: existing.id, create: false, startPosition: existing.messageCount, newMessages: plan.newMessages, historyHash: plan.historyHash };
    }
    return {
      id: uuidV7(),
      create: true,
      parentSessionId: existing.id,
      externalKey: existing.externalKey ?? undefined,
      conversationId: existing.conversationId ?? undefined,
      agentId: existing.agentId ?? agent?.id,
      startPosition: 0,
      newMessages: incoming,
      historyHash: plan.historyHash,
    };
  }
  const plan = planHistoryAppend({ messageCount: 0, historyHash: "" }, incoming);
  return {
    id: request.session_id ?? uuidV7(),
    create: true,
    externalKey: request.loop_id,
    conversationId: request.conversation_id,
    agentId: agent?.id,
    startPosition: 0,
    newMessages: incoming,
    historyHash: plan.historyHash,
  };
}

/** A claim as the raw SELECT returns it (snake_case; DATETIME as a UTC string, JSON as text or parsed). */
interface ClaimRecord {
  id: string;
  request_id: string;
  state: string;
  owner: string | null;
  lease_until: string | null;
  response: unknown;
}

interface Claim {
  readonly id: string;
  readonly requestId: string;
  readonly state: string;
  readonly owner: string | null;
  readonly leaseUntil: Date | null;
  readonly response: JsonValue | null;
}

const insertClaims = "INSERT IGNORE INTO inferences (id, request_id, state, owner, lease_until, wire_form, created_at) VALUES ";
const selectClaims = "SELECT id, request_id, state, owner, lease_until, response FROM inferences WHERE request_id IN ";

async function loadClaims(sql: SqlPort, requestIds: readonly string[]): Promise<Claim[]> {
  const records = await sql.query<ClaimRecord>({ sql: `${selectClaims}(${placeholders(requestIds.length)})`, values: requestIds });
  return records.map((record) => ({
    id: record.id,
    requestId: record.request_id,
    state: record.state,
    owner: record.owner,
    leaseUntil: parseSqlDateTime(record.lease_until),
    response: parseSqlJson<JsonValue>(record.response),
  }));
}

/**
 * Claims a batch of requests in two round trips (INSERT IGNORE of in-flight rows, then one
 * read of them all) while sessions and agents load in parallel. When the INSERT IGNORE
 * inserted a row for every item, every claim is new and ours, and the read is skipped.
 * A request already completed comes back with its stored response; one in flight under a
 * live lease is busy.
 */
export async function beginBatch(sql: SqlPort, agents: AgentCache, items: readonly BeginItem[], now: () => number): Promise<BeginOutcome[]> {
  const owners = items.map(() => randomHex(16));
  const inferenceIds = items.map(() => uuidV7());
  const startedAt = now();
  const startedAtSql = sqlDateTime(new Date(startedAt));
  const values: unknown[] = [];
  for (const [index, item] of items.entries()) {
    values.push(inferenceIds[index], item.request.request_id, "in_flight", owners[index], sqlDateTime(new Date(startedAt + item.leaseMs)), item.wireForm, startedAtSql);
  }
  const inserted = await sql.execute({ sql: insertClaims + tuples(items.length, 7), values });
  // Every row inserted: every claim is new and ours, with the id and owner just written.
  const allOurs = inserted === items.length;
  const agentLookups = items.flatMap((item) => [item.request.agent, item.request.role].filter((name): name is string => Boolean(name)));
  const [claims, sessions, agentsByName] = await Promise.all([
    allOurs ? [] : loadClaims(sql, items.map((item) => item.request.request_id)),
    loadSessions(sql, items),
    agents.get(agentLookups),
  ]);
  const claimsByRequest = new Map(claims.map((claim) => [claim.requestId, claim]));

  const outcomes: BeginOutcome[] = [];
  for (const [index, item] of items.entries()) {
    const { request } = item;
    const claim = claimsByRequest.get(request.request_id);
    if (claim?.state === "completed" && claim.response) {
      outcomes.push({ kind: "completed", response: claim.response as unknown as AgentResponse });
      continue;
    }
    const owner = owners[index] as string;
    if (claim && claim.owner !== owner) {
      const leaseLeft = (claim.leaseUntil?.getTime() ?? 0) - now();
      const taken = leaseLeft <= 0 && (await takeOver(sql, claim.requestId, claim.owner, owner, item.leaseMs, now));
      if (!taken) {
        // Come back when the lease runs out: by then the holder has answered (the retry is
        // answered from the store) or is gone (the retry takes over). One delivery used.
        outcomes.push({ kind: "busy", retryAfterMs: Math.max(250, leaseLeft + 100) });
        continue;
      }
    }
    const existing = request.session_id ? sessions.byId.get(request.session_id) : request.loop_id ? sessions.byKey.get(request.loop_id) : undefined;
    const agent =
      (request.agent ? agentsByName.get(request.agent) : undefined) ?? (request.role ? agentsByName.get(request.role) : undefined);
    const session = planSession(request, existing, agent);
    const ticket: StoreTicket = {
      requestId: request.request_id,
      inferenceId: claim?.id ?? (inferenceIds[index] as string),
      owner,
      request,
      agentId: agent?.id ?? existing?.agentId ?? undefined,
      session,
    };
    const sessionSettings = existing ? sessionSettingsFromRow(existing) : undefined;
    outcomes.push({ kind: "claimed", ticket, ...(agent ? { agent } : {}), ...(sessionSettings ? { session: sessionSettings } : {}) });
  }
  return outcomes;
}

const takeOverClaim = "UPDATE inferences SET owner = ?, lease_until = ? WHERE request_id = ? AND owner <=> ? AND state = 'in_flight'";

/** An expired lease is taken over with a compare-and-set on the previous owner. */
async function takeOver(sql: SqlPort, requestId: string, previous: string | null, owner: string, leaseMs: number, now: () => number): Promise<boolean> {
  const updated = await sql.execute({ sql: takeOverClaim, values: [owner, sqlDateTime(new Date(now() + leaseMs)), requestId, previous] });
  return updated === 1;
}
