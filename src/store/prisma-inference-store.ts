import type { AgentRequest } from "../core/agent-request.ts";
import type { BeginOutcome, CompleteInput, InferenceStore, InferenceTicket } from "../core/inference-store.ts";
import type { PrismaClient } from "../generated/prisma/client.ts";
import { AgentCache } from "./agent-cache.ts";
import { agentSettingsFromRow } from "./agent-settings-from-row.ts";
import { beginBatch, type BeginItem, type StoreTicket } from "./begin-batch.ts";
import { completeBatch, type CompleteItem } from "./complete-batch.ts";
import { GroupCommit } from "./group-commit.ts";
import { isConnectionFailure } from "./is-connection-failure.ts";
import { storeUnavailable } from "./store-unavailable.ts";

export interface PrismaInferenceStoreOptions {
  readonly maxBatch: number;
  readonly maxConcurrentBatches: number;
  readonly agentCacheTtlMs: number;
  readonly now?: () => number;
  readonly onBatch?: (operation: "begin" | "complete", size: number, durationMs: number) => void;
}

/**
 * Persistence through Prisma, with natural group commit on both hot-path operations so a
 * busy process pays a few round trips per batch rather than per request.
 */
export class PrismaInferenceStore implements InferenceStore {
  readonly agents: AgentCache;
  private readonly begins: GroupCommit<BeginItem, BeginOutcome>;
  private readonly completions: GroupCommit<CompleteItem, void>;
  private pending: Promise<void> | undefined;

  constructor(private readonly prisma: PrismaClient, options: PrismaInferenceStoreOptions) {
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
      run: (items) => beginBatch(prisma, this.agents, items, now),
      onBatch: (size, durationMs) => options.onBatch?.("begin", size, durationMs),
    });
    this.completions = new GroupCommit({
      ...batching,
      run: (items) => completeBatch(prisma, items, now),
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
      await this.prisma.inference.updateMany({
        where: { requestId: ticket.requestId, owner: ticket.owner, state: "in_flight" },
        data: { leaseUntil: new Date(0) },
      });
    } catch (error) {
      throw storeUnavailable(error, "release");
    }
  }

  async ping(): Promise<boolean> {
    if (this.pending) return false;
    try {
      await this.prisma.$queryRaw`SELECT 1`;
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
