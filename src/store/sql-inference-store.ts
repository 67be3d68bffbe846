import type { AgentRequest } from "../core/agent-request.ts";
import type { BeginOptions, BeginOutcome, CompleteInput, InferenceStore, InferenceTicket, StoredAnswer } from "../core/inference-store.ts";
import type { PrismaClient } from "../generated/prisma/client.ts";
import { AgentCache } from "./agent-cache.ts";
import { agentSettingsFromRow } from "./catalog-json.ts";
import { beginAlone, beginBatch, type BeginItem, type StoreTicket } from "./begin-batch.ts";
import { claimKeyOf, deleteClaim } from "./claim-statements.ts";
import { ClaimSweeper } from "./claim-sweeper.ts";
import { completeBatch, type CompleteItem } from "./complete-batch.ts";
import { GroupCommit } from "./group-commit.ts";
import { isConnectionFailure, storeUnavailable } from "./store-unavailable.ts";
import { randomHex } from "./uuid-v7.ts";
import type { SqlPort } from "./sql-port.ts";
import { countOlderThan, purgeOlderThan, RetentionSweeper, type PurgeCounts, type PurgeOptions, type RetentionSweeperOptions } from "./retention.ts";

export interface SqlInferenceStoreOptions {
  readonly maxBatch: number;
  readonly maxConcurrentBatches: number;
  readonly agentCacheTtlMs: number;
  readonly now?: () => number;
  readonly onBatch?: (operation: "begin" | "complete", size: number, durationMs: number) => void;
  /** A failed DELETE of answered or expired claims (they stay until the next sweep). */
  readonly onClaimSweepError?: (error: unknown) => void;
  /** store.retention: purge what is older, off the request path (retention.ts). */
  readonly retention?: Omit<RetentionSweeperOptions, "now"> | undefined;
}

/** Answered claims are deleted together after this long. */
const claimSweepIntervalMs = 100;
/** Claims whose lease ran out are deleted at most this often. */
const expiredClaimSweepMs = 60_000;

/**
 * Persistence in MySQL, with natural group commit on both hot-path operations so a busy
 * process pays a few round trips per batch rather than per request. Claims live in a MEMORY
 * table (claim-statements.ts); an answered request's claim is deleted later, in bulk. The
 * hot-path statements go straight to the driver pool under Prisma (`sql`: Prisma's query building cost more CPU
 * than the rest of the request, see bench/results/profile-notes.md); agents load through Prisma.
 */
export class SqlInferenceStore implements InferenceStore {
  readonly agents: AgentCache;
  private readonly begins: GroupCommit<BeginItem, BeginOutcome>;
  private readonly completions: GroupCommit<CompleteItem, StoredAnswer>;
  private readonly sweeper: ClaimSweeper;
  private readonly retention: RetentionSweeper | undefined;
  private pending: Promise<void> | undefined;
  private readonly now: () => number;
  /**
   * False once an operation could not reach the database, until one reaches it again. A fresh
   * id's begin needs no statement, but while the database is down it still checks (SELECT 1),
   * so that, as before, the request is refused (E_STORE_UNAVAILABLE) rather than answered unstored.
   */
  private reachable = true;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly sql: SqlPort,
    options: SqlInferenceStoreOptions,
  ) {
    const now = options.now ?? Date.now;
    this.now = now;
    this.agents = new AgentCache(
      async (lookups) =>
        (
          await prisma.agent.findMany({
            where: { deletedAt: null, OR: [{ key: { in: [...lookups] } }, { id: { in: [...lookups] } }] },
          })
        ).map(agentSettingsFromRow),
      options.agentCacheTtlMs,
    );
    this.sweeper = new ClaimSweeper(sql, {
      intervalMs: claimSweepIntervalMs,
      expiredEveryMs: expiredClaimSweepMs,
      now,
      onError: options.onClaimSweepError ?? (() => undefined),
    });
    this.retention = options.retention === undefined ? undefined : new RetentionSweeper(sql, { ...options.retention, now: () => Date.now() });
    const batching = { maxBatch: options.maxBatch, maxConcurrent: options.maxConcurrentBatches, failsWholeBatch: isConnectionFailure };
    this.begins = new GroupCommit({
      ...batching,
      run: (items) => beginBatch(sql, this.agents, items, now),
      onBatch: (size, durationMs) => options.onBatch?.("begin", size, durationMs),
    });
    this.completions = new GroupCommit({
      ...batching,
      run: (items) => completeBatch(sql, items, now),
      onBatch: (size, durationMs) => options.onBatch?.("complete", size, durationMs),
    });
  }

  /** Until `ready` settles (pending migrations), every operation reports the store unavailable. */
  holdUntil(ready: Promise<void>): void {
    this.pending = ready;
    ready.then(
      () => {
        if (this.pending === ready) this.pending = undefined;
      },
      () => undefined,
    );
  }

  private checkReady(): void {
    if (this.pending) throw storeUnavailable(new Error("migrations have not been applied yet"), "open");
  }

  async begin(request: AgentRequest, options: BeginOptions): Promise<BeginOutcome> {
    this.checkReady();
    const fresh = options.freshId === true;
    // A fresh id writes no claim row: no claim key to hash.
    const item = {
      request,
      leaseMs: options.leaseMs,
      delivery: options.delivery,
      claimKey: fresh ? "" : claimKeyOf(request.request_id),
      owner: randomHex(16),
      fresh,
    };
    try {
      // Nothing to claim and nothing to load (no session, no agent): no round trip, no waiting behind a batch.
      if (fresh && !request.session_id && !request.loop_id && !request.agent && !request.role) {
        if (!this.reachable) await this.sql.query({ sql: "SELECT 1", values: [] });
        this.reachable = true;
        return beginAlone(item, this.now);
      }
      const outcome = await this.begins.submit(item);
      this.reachable = true;
      return outcome;
    } catch (error) {
      if (isConnectionFailure(error)) this.reachable = false;
      // The claim may have been written before the batch failed (MEMORY has no rollback):
      // give it up, so the delivery's retry is not told the request is busy for a whole lease.
      // Not when the database is unreachable: that DELETE would only queue for the pool.
      if (!fresh && !isConnectionFailure(error)) this.sql.execute(deleteClaim(item.claimKey, item.owner)).catch(() => undefined);
      if (isTableFull(error)) this.sweeper.tableFull();
      throw storeUnavailable(error, "begin");
    }
  }

  async complete(input: CompleteInput): Promise<StoredAnswer> {
    this.checkReady();
    const ticket = input.ticket as StoreTicket;
    let stored: StoredAnswer;
    try {
      stored = await this.completions.submit({ ...input, ticket });
      this.reachable = true;
    } catch (error) {
      if (isConnectionFailure(error)) this.reachable = false;
      throw storeUnavailable(error, "complete");
    }
    if (!ticket.fresh) this.sweeper.answered(ticket.claimKey);
    return stored;
  }

  async release(ticket: InferenceTicket): Promise<void> {
    if ((ticket as StoreTicket).fresh) return;
    try {
      await this.sql.execute(deleteClaim((ticket as StoreTicket).claimKey, ticket.owner));
    } catch (error) {
      throw storeUnavailable(error, "release");
    }
  }

  async ping(): Promise<boolean> {
    if (this.pending) return false;
    try {
      await this.sql.query({ sql: "SELECT 1", values: [] });
      this.reachable = true;
      return true;
    } catch {
      this.reachable = false;
      return false;
    }
  }

  /** Deletes what is older than the cutoff now (`modelbus purge`), or with `dryRun` counts it. */
  purge(options: { cutoff: Date; batchSize: number; pauseMs: number; dryRun: boolean; onDeleted?: PurgeOptions["onDeleted"] }): Promise<PurgeCounts> {
    const { dryRun, ...purge } = options;
    return dryRun ? countOlderThan(this.sql, purge.cutoff) : purgeOlderThan(this.sql, purge);
  }

  async close(): Promise<void> {
    await this.retention?.close();
    await Promise.all([this.begins.drain(), this.completions.drain()]);
    await this.sweeper.close();
    await this.prisma.$disconnect();
  }
}

/** ER_RECORD_FILE_FULL: the MEMORY claims table reached max_heap_table_size. */
function isTableFull(error: unknown): boolean {
  return (error as { errno?: unknown } | null)?.errno === 1114;
}
