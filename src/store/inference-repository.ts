import { Prisma, type PrismaClient } from "../generated/prisma/client.ts";
import type { InferenceRecord } from "./catalog-records.ts";
import { storeUnavailable } from "./store-unavailable.ts";

export interface InferenceFilters {
  readonly status?: string | undefined;
  readonly endpoint?: string | undefined;
  /** The key of the session's catalog agent. */
  readonly agent?: string | undefined;
  /** The session's external key (a NATS loop_id). */
  readonly loop?: string | undefined;
}

export interface InferenceQuery extends InferenceFilters {
  readonly limit: number;
  /** Only inferences with a smaller id (older), for the next page. */
  readonly beforeId?: string | undefined;
}

/** A page newest first; `next` is the id the following page continues below, when there may be one. */
export interface InferencePage {
  readonly items: readonly InferenceRecord[];
  readonly next: string | undefined;
}

/**
 * With filters, one page looks at no more than this many of the newest inferences below its
 * cursor: the filtered columns have no index (the hot path pays for every index on
 * `inferences`), so a filter that matches nothing must not read the whole table.
 */
export const inferenceScanRows = 5_000;

interface InferenceRow {
  id: string;
  request_id: string;
  session_id: string | null;
  endpoint: string | null;
  provider_model: string | null;
  status: string | null;
  finish_reason: string | null;
  prompt_tokens: number | bigint;
  completion_tokens: number | bigint;
  cost: Prisma.Decimal | number | string;
  retry_count: number | bigint;
  latency_ms: number | bigint;
  error_code: string | null;
  loop_id: string | null;
  agent: string | null;
  created_at: Date;
  completed_at: Date | null;
}

function toRecord(row: InferenceRow): InferenceRecord {
  return {
    id: row.id,
    requestId: row.request_id,
    sessionId: row.session_id,
    endpoint: row.endpoint,
    providerModel: row.provider_model,
    status: row.status,
    finishReason: row.finish_reason,
    promptTokens: Number(row.prompt_tokens),
    completionTokens: Number(row.completion_tokens),
    cost: Number(row.cost),
    retryCount: Number(row.retry_count),
    latencyMs: Number(row.latency_ms),
    errorCode: row.error_code,
    loopId: row.loop_id,
    agent: row.agent,
    createdAt: row.created_at,
    completedAt: row.completed_at,
  };
}

function filterConditions(filters: InferenceFilters): Prisma.Sql[] {
  return [
    ...(filters.status === undefined ? [] : [Prisma.sql`i.status = ${filters.status}`]),
    ...(filters.endpoint === undefined ? [] : [Prisma.sql`i.endpoint = ${filters.endpoint}`]),
    ...(filters.loop === undefined ? [] : [Prisma.sql`s.external_key = ${filters.loop}`]),
    ...(filters.agent === undefined ? [] : [Prisma.sql`a.key = ${filters.agent}`]),
  ];
}

const whereAll = (conditions: readonly Prisma.Sql[]) => (conditions.length === 0 ? Prisma.empty : Prisma.sql`WHERE ${Prisma.join(conditions, " AND ")}`);

/**
 * The stored inferences, for the operator: newest first by id (a UUIDv7, so by time, on the
 * primary key), with the loop and agent of their session. Read only; the pipeline writes them
 * (src/store/complete-batch.ts).
 */
export class InferenceRepository {
  constructor(
    private readonly prisma: PrismaClient,
    /** How many rows a filtered page looks at, at most (tests make it small). */
    private readonly scanRows = inferenceScanRows,
  ) {}

  async list(query: InferenceQuery): Promise<InferencePage> {
    try {
      const filters = filterConditions(query);
      const before = query.beforeId === undefined ? [] : [Prisma.sql`i.id < ${query.beforeId}`];
      // Filtered: the page ends where the scan does, at the oldest id of the window it looked at.
      const floor = filters.length === 0 ? undefined : await this.scanFloor(query.beforeId);
      const from = floor === undefined ? [] : [Prisma.sql`i.id >= ${floor}`];
      const rows = await this.prisma.$queryRaw<InferenceRow[]>`SELECT i.id, CONVERT(i.request_id USING utf8mb4) AS request_id, i.session_id, i.endpoint,
          i.provider_model, i.status, i.finish_reason, i.prompt_tokens, i.completion_tokens, i.cost, i.retry_count, i.latency_ms,
          i.error_code, s.external_key AS loop_id, a.key AS agent, i.created_at, i.completed_at
        FROM inferences i LEFT JOIN sessions s ON s.id = i.session_id LEFT JOIN agents a ON a.id = s.agent_id
        ${whereAll([...before, ...from, ...filters])} ORDER BY i.id DESC LIMIT ${query.limit + 1}`;
      const items = rows.slice(0, query.limit).map(toRecord);
      const next = rows.length > query.limit ? items.at(-1)?.id : floor;
      return { items, next };
    } catch (error) {
      throw storeUnavailable(error, "inference list");
    }
  }

  /**
   * The oldest id among the `scanRows` newest below `beforeId`, when older rows follow it;
   * undefined when no more than that many are left (then the page looks at them all).
   */
  private async scanFloor(beforeId: string | undefined): Promise<string | undefined> {
    const before = beforeId === undefined ? Prisma.empty : Prisma.sql`WHERE id < ${beforeId}`;
    const rows = await this.prisma.$queryRaw<Array<{ id: string }>>`SELECT id FROM inferences ${before} ORDER BY id DESC LIMIT 2 OFFSET ${this.scanRows - 1}`;
    return rows.length === 2 ? rows[0]?.id : undefined;
  }
}
