import type { Logger } from "../observability/logger.ts";
import { AgentRepository } from "./agent-repository.ts";
import { ConversationRepository } from "./conversation-repository.ts";
import { createCatalogPrismaClient } from "./create-prisma-client.ts";
import { IdempotencyRecords } from "./idempotency-records.ts";
import { InferenceRepository } from "./inference-repository.ts";
import { migrationStatus } from "./migrations/migration-status.ts";
import { SessionRepository } from "./session-repository.ts";

export interface CatalogStore {
  readonly agents: AgentRepository;
  readonly conversations: ConversationRepository;
  readonly sessions: SessionRepository;
  readonly idempotency: IdempotencyRecords;
  /** The stored inferences, newest first, for the operator (GET /v1/inferences). */
  readonly inferences: InferenceRepository;
  /** Every migration in the folder is applied and none failed (readiness). */
  migrationsApplied(): Promise<boolean>;
  close(): Promise<void>;
}

/**
 * The HTTP API's side of MySQL: its own Prisma pool (fast-failing, see
 * createCatalogPrismaClient), so catalog reads never queue behind the inference
 * store's group-commit batches, and src/store/open-store.ts stays as the pipeline needs it.
 */
export function openCatalogStore(databaseUrl: string, options: { readonly connectionLimit: number; readonly logger: Logger }): CatalogStore {
  const prisma = createCatalogPrismaClient(databaseUrl, options.connectionLimit);
  let migrated = false;
  return {
    agents: new AgentRepository(prisma),
    conversations: new ConversationRepository(prisma),
    sessions: new SessionRepository(prisma),
    idempotency: new IdempotencyRecords(prisma),
    inferences: new InferenceRepository(prisma),
    async migrationsApplied() {
      // Applied migrations stay applied: once up to date, a probe costs nothing more.
      if (migrated) return true;
      try {
        const status = await migrationStatus({ databaseUrl });
        migrated = status.unapplied.length === 0 && status.failed.length === 0;
      } catch (error) {
        options.logger.debug({ err: error }, "migration status unavailable");
      }
      return migrated;
    },
    close: () => prisma.$disconnect(),
  };
}
