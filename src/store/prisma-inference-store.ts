import type { AgentRequest } from "../core/agent-request.ts";
import type { BeginOutcome, CompleteInput, InferenceStore, InferenceTicket } from "../core/inference-store.ts";
import type { PrismaClient } from "../generated/prisma/client.ts";
import { AgentCache } from "./agent-cache.ts";
import { agentSettingsFromRow } from "./agent-settings-from-row.ts";
import { beginBatch, type BeginItem, type StoreTicket } from "./begin-batch.ts";
import { completeBatch, type CompleteItem } from "./complete-batch.ts";
import { GroupCommit } from "./group-commit.ts";
import { isConnectionFailure } from "./is-connection-failure.ts";
import type { SqlPort } from "./sql-port.ts";
import { sqlDateTime } from "./sql-values.ts";
import { storeUnavailable } from "./store-unavailable.ts";

export interface PrismaInferenceStoreOptions {
  readonly maxBatch: number;
  readonly maxConcurrentBatches: number;
  readonly agentCacheTtlMs: number;
  readonly now?: () => number;
  readonly onBatch?: (operation: "begin" | "complete", size: number, durationMs: number) => void;
}

const releaseClaim = "UPDATE inferences SET lease_until = ? WHERE request_id = ? AND owner = ? AND state = 'in_flight'";

/**
 * Persistence in MySQL, with natural group commit on both hot-path operations so a busy
 * process pays a few round trips per batch rather than per request. The hot-path statements
 * go straight to the driver pool under Prisma (`sql`: Prisma's query building cost more CPU
 * than the rest of the request, see bench/results/profile-notes.md); agents load through Prisma.
 */
export class PrismaInferenceStore implements InferenceStore {
  readonly agents: AgentCache;
  private readonly begins: GroupCommit<BeginItem, BeginOutcome>;
  private readonly completions: GroupCommit<CompleteItem, void>;
  private pending: Promise<void> | undefined;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly sql: SqlPort,
    options: PrismaInferenceStoreOptions,
  ) {
    const now = options.now ?? Date.now;
    this.agents = new AgentCache(
      async (lookups) =>
        (
          await prisma.agent.findMany({
            where: { deletedAt: null, OR: [{ key: { in: [...lookups] } }, { id: { in: [...lookups] } }] },
          })
        ).map(agentSettingsFromRow),
      options.agentCacheTtlMs,
    );
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

  async begin(request: AgentRequest, options: { leaseMs: number; wireForm: string }): Promise<BeginOutcome> {
    this.checkReady();
    try {
      return await this.begins.submit({ request, leaseMs: options.leaseMs, wireForm: options.wireForm });
    } catch (error) {
      throw storeUnavailable(error, "begin");
    }
  }

  async complete(input: CompleteInput): Promise<void> {
    this.checkReady();
    try {
      await this.completions.submit({ ...input, ticket: input.ticket as StoreTicket });
    } catch (error) {
      throw storeUnavailable(error, "complete");
    }
  }

  async release(ticket: InferenceTicket): Promise<void> {
    try {
      await this.sql.execute({ sql: releaseClaim, values: [sqlDateTime(new Date(0)), ticket.requestId, ticket.owner] });
    } catch (error) {
      throw storeUnavailable(error, "release");
    }
  }

  async ping(): Promise<boolean> {
    if (this.pending) return false;
    try {
      await this.sql.query({ sql: "SELECT 1", values: [] });
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    await Promise.all([this.begins.drain(), this.completions.drain()]);
    await this.prisma.$disconnect();
  }
}
