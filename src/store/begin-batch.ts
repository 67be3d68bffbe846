import type { AgentRequest, ChatMessage } from "../core/agent-request.ts";
import type { AgentResponse } from "../core/agent-response.ts";
import type { BeginOutcome, DeliveryIdentity, InferenceTicket } from "../core/inference-store.ts";
import type { AgentSettings } from "../core/governance.ts";
import type { Session } from "../generated/prisma/client.ts";
import type { JsonValue } from "../generated/prisma/internal/prismaNamespace.ts";
import type { AgentCache } from "./agent-cache.ts";
import { sessionSettingsFromRow } from "./catalog-json.ts";
import { planHistoryAppend } from "./session-history.ts";
import type { SqlPort } from "./sql-port.ts";
import { parseSqlDateTime, parseSqlJson, placeholders, sqlDateTime } from "./sql-values.ts";
import { answerOf, type AnswerRecord, type ClaimRecord, insertClaims, type NewClaim, selectAnswers, selectClaims, takeOverClaim } from "./claim-statements.ts";
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
  readonly claimKey: string;
  /** Claimed without a claim row (BeginItem.fresh): nothing to delete once answered or given up. */
  readonly fresh: boolean;
  /** When the request was claimed (DATETIME(3) text): the inference row's created_at. */
  readonly claimedAt: string;
  readonly session: SessionWrite;
}

export interface BeginItem {
  readonly request: AgentRequest;
  readonly leaseMs: number;
  readonly delivery: DeliveryIdentity | undefined;
  /** SHA-256 of the request_id (claimKeyOf). */
  readonly claimKey: string;
  /** A request_id made here for this request (BeginOptions.freshId): claimed without a claim row. */
  readonly fresh?: boolean | undefined;
  /**
   * The claim's owner, made once per begin: when a batch fails after some of its claims were
   * inserted (a MEMORY table has no rollback), the item's retry recognises its own claim.
   */
  readonly owner: string;
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

/**
 * Claims a batch of requests in one statement (claim-statements.ts: INSERT … SELECT into the
 * MEMORY claims table, skipping requests already answered) while sessions and agents load in
 * parallel. When every item was claimed, every claim is new and ours. Otherwise one more
 * round trip reads the stored answers and the claims: a request answered before comes back
 * with its stored response; one claimed elsewhere under a live lease is busy; an expired
 * lease is taken over.
 */
export async function beginBatch(sql: SqlPort, agents: AgentCache, items: readonly BeginItem[], now: () => number): Promise<BeginOutcome[]> {
  const startedAt = now();
  const claimedAt = sqlDateTime(new Date(startedAt));
  const claims = items.map((item) => ({
    requestId: item.request.request_id,
    claimKey: item.claimKey,
    owner: item.owner,
    // A fresh item's claim is never written: no lease to format.
    leaseUntil: item.fresh ? "" : sqlDateTime(new Date(startedAt + item.leaseMs)),
    source: item.delivery?.source ?? null,
    attempt: item.delivery?.attempt ?? 0,
  }));
  const toClaim = claims.filter((_claim, index) => !items[index]?.fresh);
  const agentLookups = items.flatMap((item) => [item.request.agent, item.request.role].filter((name): name is string => Boolean(name)));
  const [inserted, sessions, agentsByName] = await Promise.all([
    toClaim.length > 0 ? sql.execute(insertClaims(toClaim)) : 0,
    loadSessions(sql, items),
    agents.get(agentLookups),
  ]);
  const contested = inserted === toClaim.length ? undefined : await loadContested(sql, toClaim);

  const outcomes: BeginOutcome[] = [];
  for (const [index, item] of items.entries()) {
    const { request } = item;
    const claim = claims[index] as NewClaim;
    const outcome = contested && !item.fresh ? await settleContested(sql, contested, claim, now) : undefined;
    if (outcome) {
      outcomes.push(outcome);
      continue;
    }
    const existing = request.session_id ? sessions.byId.get(request.session_id) : request.loop_id ? sessions.byKey.get(request.loop_id) : undefined;
    const agent = (request.agent ? agentsByName.get(request.agent) : undefined) ?? (request.role ? agentsByName.get(request.role) : undefined);
    outcomes.push(claimedOutcome(item, claimedAt, existing, agent));
  }
  return outcomes;
}

/**
 * A request claimed at `claimedAt` (DATETIME(3) text), with the session it continues (if one
 * was found) and its agent (if one was named and exists): its ticket and settings.
 */
function claimedOutcome(item: BeginItem, claimedAt: string, existing: SessionRow | undefined, agent: AgentSettings | undefined): BeginOutcome {
  const { request } = item;
  const ticket: StoreTicket = {
    requestId: request.request_id,
    claimKey: item.claimKey,
    fresh: item.fresh === true,
    claimedAt,
    inferenceId: uuidV7(),
    owner: item.owner,
    request,
    agentId: agent?.id ?? existing?.agentId ?? undefined,
    session: planSession(request, existing, agent),
  };
  const sessionSettings = existing ? sessionSettingsFromRow(existing) : undefined;
  return { kind: "claimed", ticket, ...(agent ? { agent } : {}), ...(sessionSettings ? { session: sessionSettings } : {}) };
}

/**
 * beginBatch for one fresh item (a request_id made for it) that names no session, loop and
 * agent: nothing to claim and nothing to load, so no statement and no promise: its ticket, at once.
 */
export function beginAlone(item: BeginItem, now: () => number): BeginOutcome {
  return claimedOutcome(item, sqlDateTime(new Date(now())), undefined, undefined);
}

interface Holder {
  readonly owner: string;
  readonly leaseUntil: Date;
  readonly source: string | null;
  readonly attempt: number;
}

interface Contested {
  readonly answers: ReadonlyMap<string, AgentResponse>;
  readonly claims: ReadonlyMap<string, Holder>;
}

/** The stored answers and the claims of a batch not wholly claimed: one round trip, two reads. */
async function loadContested(sql: SqlPort, claims: readonly NewClaim[]): Promise<Contested> {
  const [answers, records] = await Promise.all([
    sql.query<AnswerRecord>(selectAnswers(claims.map((claim) => claim.requestId))),
    sql.query<ClaimRecord>(selectClaims(claims.map((claim) => claim.claimKey))),
  ]);
  return {
    answers: new Map(answers.map((record) => [record.request_id, answerOf(record)])),
    claims: new Map(
      records.map((record) => [
        record.claim_key,
        { owner: record.owner, leaseUntil: parseSqlDateTime(record.lease_until), source: record.source, attempt: Number(record.attempt) },
      ]),
    ),
  };
}

/**
 * A claim made by an earlier delivery of the very message now delivered again: JetStream
 * delivers a message again only once the earlier delivery was nak'd, or went unacked and
 * unheartbeated for a whole ack wait (its worker stopped or died), so nobody is working on
 * that claim any more. This resolves the ambiguous claim, one whose INSERT reached the server
 * while its reply was lost, without waiting out its lease.
 */
function abandonedByItsDelivery(holder: Holder, claim: NewClaim): boolean {
  return claim.source !== null && holder.source === claim.source && holder.attempt < claim.attempt;
}

/**
 * What a request of a contested batch gets: its stored answer, if it has one; nothing (it is
 * ours) if the claim is ours; ours again after taking over a claim its delivery abandoned or
 * whose lease ran out; busy while another live claim's lease runs. A claim neither ours nor
 * there was given up between the two reads: busy for a moment, then claimed afresh.
 */
async function settleContested(sql: SqlPort, contested: Contested, claim: NewClaim, now: () => number): Promise<BeginOutcome | undefined> {
  const answer = contested.answers.get(claim.requestId);
  if (answer) return { kind: "completed", response: answer };
  const holder = contested.claims.get(claim.claimKey);
  if (holder?.owner === claim.owner) return undefined;
  if (!holder) return { kind: "busy", retryAfterMs: minimumRetryMs };
  const leaseLeft = holder.leaseUntil.getTime() - now();
  if (leaseLeft <= 0 || abandonedByItsDelivery(holder, claim)) {
    const taken = await sql.execute(takeOverClaim(claim, holder.owner));
    if (taken === 1) return undefined;
  }
  // Come back when the lease runs out: by then the holder has answered (the retry is
  // answered from the store) or is gone (the retry takes over). One delivery used.
  return { kind: "busy", retryAfterMs: Math.max(minimumRetryMs, leaseLeft + 100) };
}

const minimumRetryMs = 250;
