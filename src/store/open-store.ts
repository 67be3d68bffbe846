import type { Connection } from "mariadb";
import type { StoreConfig } from "../config/config-schema.ts";
import type { Logger } from "../observability/logger.ts";
import { createPrismaClientWithPool } from "./create-prisma-client.ts";
import { MariadbSql } from "./mariadb-sql.ts";
import { applyMigrations } from "./migrations/apply-migrations.ts";
import { MigrationError } from "./migrations/migration-error.ts";
import { openMigrationConnection } from "./migrations/migration-history.ts";
import { parseDatabaseUrl } from "./database-url.ts";
import { checkEngine } from "./sql-engine.ts";
import { SqlInferenceStore, type SqlInferenceStoreOptions } from "./sql-inference-store.ts";

const migrationRetryMs = 2_000;

/**
 * Opens the store and, when configured, migrates it. A migration the runner refuses
 * (edited, failed) stops the start: the operator must look. A database that does not
 * answer does not: the store reports unavailable (deliveries are handed back, /readyz
 * says not ready) and migrating is retried until it succeeds.
 */
export interface OpenStoreHooks {
  /** Each group-committed batch: its operation, size and duration (for the store metrics). */
  readonly onBatch?: ((operation: "begin" | "complete", size: number, durationMs: number) => void) | undefined;
  /** Rows store.retention purged, by table. */
  readonly onPurged?: ((table: string, rows: number) => void) | undefined;
}

export async function openStore(config: StoreConfig, databaseUrl: string, logger: Logger, hooks: OpenStoreHooks = {}): Promise<SqlInferenceStore> {
  const store = createInferenceStore(databaseUrl, config.connection_limit, {
    maxBatch: config.max_batch,
    maxConcurrentBatches: config.max_concurrent_batches,
    agentCacheTtlMs: config.agent_cache_ttl,
    onClaimSweepError: (error) => logger.warn({ err: error }, "could not delete answered or expired claims; trying again at the next sweep"),
    ...(hooks.onBatch ? { onBatch: hooks.onBatch } : {}),
    ...(config.retention > 0
      ? {
          retention: {
            retentionMs: config.retention,
            intervalMs: config.retention_interval,
            batchSize: config.retention_batch_size,
            pauseMs: config.retention_pause,
            onDeleted: hooks.onPurged,
            onError: (error: unknown) => logger.warn({ err: error }, "retention purge failed; trying again at the next interval"),
          },
        }
      : {}),
  });
  if (!config.migrate_on_start) {
    await checkEngineOnce(databaseUrl, logger);
    return store;
  }
  const migrate = async () => {
    const result = await applyMigrations({ databaseUrl, logger });
    logger.info(
      { engine: `${result.engine.name} ${result.engine.version}`, applied: result.applied, already_applied: result.alreadyApplied.length },
      "migrations checked",
    );
  };
  try {
    await migrate();
  } catch (error) {
    if (error instanceof MigrationError) throw error;
    logger.error({ err: error }, "database unreachable at start; migrating again in the background");
    store.holdUntil(retryUntilDone(migrate, logger));
  }
  return store;
}

/**
 * Without migrate_on_start, the engine check migrating would have made: an unsupported server
 * stops the start; one that does not answer is the store's outage to report, not a refusal.
 */
async function checkEngineOnce(databaseUrl: string, logger: Logger): Promise<void> {
  let connection: Connection | undefined;
  try {
    connection = await openMigrationConnection(parseDatabaseUrl(databaseUrl));
    const engine = await checkEngine(connection);
    logger.info({ engine: `${engine.name} ${engine.version}` }, "database engine checked");
  } catch (error) {
    if (error instanceof MigrationError) throw error;
    logger.error({ err: error }, "database unreachable at start; its engine is not checked");
  } finally {
    await connection?.end().catch(() => connection?.destroy());
  }
}

/** The store on one connection pool: Prisma's, with the hot-path statements sent to its driver directly. */
export function createInferenceStore(databaseUrl: string, connectionLimit: number | undefined, options: SqlInferenceStoreOptions): SqlInferenceStore {
  const { prisma, pool } = createPrismaClientWithPool(databaseUrl, { connectionLimit });
  return new SqlInferenceStore(prisma, new MariadbSql(pool), options);
}

async function retryUntilDone(migrate: () => Promise<void>, logger: Logger): Promise<void> {
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, migrationRetryMs).unref());
    try {
      await migrate();
      return;
    } catch (error) {
      if (error instanceof MigrationError) {
        logger.fatal({ err: error }, "migration refused; the store stays unavailable");
        throw error;
      }
      logger.warn({ err: error }, "database still unreachable; will retry migrating");
    }
  }
}
