import type { Connection } from "mariadb";
import { appliedRecordFor } from "./applied-record-for.ts";
import { applyOneMigration } from "./apply-one-migration.ts";
import { checkAppliedChecksums } from "./check-applied-checksums.ts";
import { checkMigrationLock } from "./check-migration-lock.ts";
import { createDatabaseIfMissing } from "./create-database-if-missing.ts";
import { defaultMigrationsDir } from "./default-migrations-dir.ts";
import { ensureMigrationsTable } from "./ensure-migrations-table.ts";
import { failedMigrationsError } from "./failed-migrations-error.ts";
import { isFailedRecord } from "./is-failed-record.ts";
import { listMigrations } from "./list-migrations.ts";
import { MigrationError } from "./migration-error.ts";
import { acquireMigrationLock, releaseMigrationLock } from "./migration-lock.ts";
import type { MigrationLogger } from "./migration-logger.ts";
import { openMigrationConnection } from "./open-migration-connection.ts";
import { parseDatabaseUrl } from "./parse-database-url.ts";
import { quoteIdentifier } from "./quote-identifier.ts";
import { readMigrationRecords } from "./read-migration-records.ts";
import { checkEngine, type SqlEngine } from "../sql-engine.ts";

export interface ApplyMigrationsOptions {
  /** `mysql://user:password@host:port/database`; the database is created when missing. */
  readonly databaseUrl: string;
  /** Defaults to prisma/migrations at the repository root. */
  readonly migrationsDir?: string | undefined;
  readonly logger?: MigrationLogger | undefined;
  /** How long to wait for another migrator's lock; 60 s unless set. */
  readonly lockTimeoutSeconds?: number | undefined;
  /** The clock for started_at and finished_at. */
  readonly now?: (() => Date) | undefined;
}

export interface ApplyMigrationsResult {
  /** The server migrated. */
  readonly engine: SqlEngine;
  /** Migrations applied by this call, in order. */
  readonly applied: string[];
  /** Migrations that were already applied (possibly by a concurrent migrator). */
  readonly alreadyApplied: string[];
}

const silentLogger: MigrationLogger = { info: () => undefined };

interface LockedMigration {
  readonly connection: Connection;
  readonly database: string;
  readonly migrationsDir: string;
  readonly logger: MigrationLogger;
  readonly now: () => Date;
}

/** Everything that must happen while the lock is held: read the history, check it, apply. */
async function migrateLocked({ connection, database, migrationsDir, logger, now }: LockedMigration): Promise<Omit<ApplyMigrationsResult, "engine">> {
  const migrations = await listMigrations(migrationsDir);
  if ((await ensureMigrationsTable(connection, database)) === "created") {
    logger.info({ database }, "created _prisma_migrations");
  }
  const records = await readMigrationRecords(connection, database);
  const failed = records.filter(isFailedRecord);
  if (failed.length > 0) throw failedMigrationsError(failed);
  checkAppliedChecksums(migrations, records);

  const applied: string[] = [];
  const alreadyApplied: string[] = [];
  for (const migration of migrations) {
    if (appliedRecordFor(records, migration.name) !== undefined) {
      alreadyApplied.push(migration.name);
      continue;
    }
    logger.info({ database, migration: migration.name }, "applying migration");
    await applyOneMigration({ connection, database, migration, now });
    applied.push(migration.name);
  }
  return { applied, alreadyApplied };
}

/**
 * Brings a database up to date with the migrations folder, keeping `_prisma_migrations`
 * exactly as `prisma migrate deploy` keeps it, so either tool can take over from the other.
 * Creates the database when missing, holds Prisma's named lock while it reads and writes
 * the history, and refuses (MigrationError) on failed or edited migrations.
 */
export async function applyMigrations(options: ApplyMigrationsOptions): Promise<ApplyMigrationsResult> {
  const parts = parseDatabaseUrl(options.databaseUrl);
  const database = parts.database;
  if (database === undefined) {
    throw new MigrationError({ code: "E_MIGRATION_INVALID", message: "the database URL names no database to migrate" });
  }
  const migrationsDir = options.migrationsDir ?? defaultMigrationsDir;
  await checkMigrationLock(migrationsDir);

  const connection = await openMigrationConnection(parts);
  try {
    const engine = await checkEngine(connection);
    await createDatabaseIfMissing(connection, database);
    await connection.query(`USE ${quoteIdentifier(database)}`);
    await acquireMigrationLock(connection, options.lockTimeoutSeconds ?? 60);
    try {
      const result = await migrateLocked({
        connection,
        database,
        migrationsDir,
        logger: options.logger ?? silentLogger,
        now: options.now ?? (() => new Date()),
      });
      return { engine, ...result };
    } finally {
      // Ending the connection lets go of the lock anyway; a failed release must not hide the error.
      await releaseMigrationLock(connection).catch(() => undefined);
    }
  } finally {
    await connection.end().catch(() => connection.destroy());
  }
}
