/**
 * The migration runner: brings a database up to date with the migrations folder under Prisma's
 * named lock, refusing failed or edited history first, and applies each migration with Prisma's
 * bookkeeping, so `prisma migrate deploy` and modelbus can take over from each other.
 */
import { randomUUID } from "node:crypto";
import type { Connection } from "mariadb";
import { parseDatabaseUrl } from "../database-url.ts";
import { checkEngine, type SqlEngine } from "../sql-engine.ts";
import { sqlDateTime } from "../sql-values.ts";
import { MigrationError } from "./migration-error.ts";
import { appliedScriptMatches, checkMigrationLock, defaultMigrationsDir, listMigrations, migrationChecksum, type LocalMigration } from "./migration-files.ts";
import {
  appliedRecordFor,
  databaseExists,
  ensureMigrationsTable,
  isFailedRecord,
  openMigrationConnection,
  quoteIdentifier,
  readMigrationRecords,
  type MigrationRecord,
} from "./migration-history.ts";

/** The slice of a pino logger the migration runner writes to. */
export interface MigrationLogger {
  info(object: Record<string, unknown>, message: string): void;
}

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

/**
 * The name of the MySQL named lock `prisma migrate deploy` takes
 * (`SELECT GET_LOCK('prisma_migrate', 10)` in prisma-engines `flavour/mysql.rs`). Using the same
 * name makes modelbus replicas and a concurrent `prisma migrate deploy` exclude each other.
 * Named locks are server-wide, so migrations of different databases on one server queue too.
 */
export const migrationLockName = "prisma_migrate";

/**
 * Waits for the named lock. Prisma ignores GET_LOCK's answer and migrates even after a timeout;
 * modelbus refuses instead, because migrating alongside another migrator is what the lock is for.
 */
async function acquireMigrationLock(connection: Connection, timeoutSeconds: number): Promise<void> {
  const rows = await connection.query<Array<{ acquired: number | bigint | null }>>("SELECT GET_LOCK(?, ?) AS acquired", [migrationLockName, timeoutSeconds]);
  if (Number(rows[0]?.acquired) !== 1) {
    throw new MigrationError({
      code: "E_MIGRATION_LOCK_TIMEOUT",
      message: `another migrator held the lock "${migrationLockName}" for more than ${timeoutSeconds}s; try again when it has finished`,
    });
  }
}

/** Lets go of the named lock; closing the connection would too. */
async function releaseMigrationLock(connection: Connection): Promise<void> {
  await connection.query("SELECT RELEASE_LOCK(?)", [migrationLockName]);
}

/**
 * Creates the database with Prisma's character set and collation when it does not exist.
 * Looks first, so a user without the server-wide CREATE privilege can still migrate a database
 * that exists (MySQL checks the privilege even for CREATE DATABASE IF NOT EXISTS).
 */
async function createDatabaseIfMissing(connection: Connection, database: string): Promise<void> {
  if (await databaseExists(connection, database)) return;
  await connection.query(`CREATE DATABASE IF NOT EXISTS ${quoteIdentifier(database)} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
}

function describeFailed(record: MigrationRecord): string {
  const logs = record.logs?.trim() ?? "";
  const withLogs = logs === "" ? "" : ` with the following logs:\n${logs}`;
  return `The \`${record.migrationName}\` migration started at ${record.startedAt.toISOString()} failed${withLogs}`;
}

/**
 * The refusal Prisma gives when `_prisma_migrations` holds failed migrations (P3009), with the
 * ways out spelled for an operator who may not have the Prisma CLI's schema engine at hand.
 */
function failedMigrationsError(failed: readonly MigrationRecord[]): MigrationError {
  const first = failed[0];
  const name = first?.migrationName ?? "<name>";
  const message = [
    "found failed migrations in the target database, new migrations will not be applied.",
    ...failed.map(describeFailed),
    "",
    "Resolve it before migrating again (https://pris.ly/d/migrate-resolve):",
    `- if you undid the failed migration's partial changes by hand, mark it rolled back so it is applied again: \`npx prisma migrate resolve --rolled-back "${name}"\`, or UPDATE _prisma_migrations SET rolled_back_at = CURRENT_TIMESTAMP(3) WHERE id = '${first?.id ?? "<id>"}';`,
    `- if you completed it by hand, mark it applied: \`npx prisma migrate resolve --applied "${name}"\`.`,
  ].join("\n");
  return new MigrationError({ code: "E_MIGRATION_FAILED", message, migrationName: first?.migrationName });
}

/**
 * Refuses when an applied migration's file changed since it ran. `prisma migrate deploy` does
 * not check this (only `migrate dev` and `migrate status` report edited migrations); modelbus
 * does, because an edited migration means the database differs from what the folder says.
 */
function checkAppliedChecksums(migrations: readonly LocalMigration[], records: readonly MigrationRecord[]): void {
  for (const migration of migrations) {
    const record = appliedRecordFor(records, migration.name);
    if (record === undefined || appliedScriptMatches(migration, record.checksum)) continue;
    throw new MigrationError({
      code: "E_MIGRATION_CHECKSUM",
      migrationName: migration.name,
      message:
        `migration ${migration.name} was modified after it was applied: the database recorded checksum ${record.checksum}, ` +
        `but ${migration.scriptPath} now has checksum ${migrationChecksum(migration.script)}. ` +
        "Applied migrations must not change: restore the file and put the change in a new migration.",
    });
  }
}

/** What a failed statement tells about itself; the mariadb driver's SqlError has these. */
interface DatabaseFailure {
  readonly errno?: number | undefined;
  readonly sqlMessage?: string | null | undefined;
  readonly message?: string | undefined;
}

/**
 * The text Prisma stores in `_prisma_migrations.logs` when a script fails: the P3018 message
 * (user_facing_errors `ApplyMigrationError`), with the server's error code and message.
 */
function migrationFailureLogs(migrationName: string, error: unknown): string {
  const failure = (typeof error === "object" && error !== null ? error : { message: String(error) }) as DatabaseFailure;
  const code = failure.errno === undefined ? "none" : String(failure.errno);
  const databaseError = failure.sqlMessage ?? failure.message ?? String(error);
  return (
    "A migration failed to apply. New migrations cannot be applied before the error is recovered from. " +
    "Read more about how to resolve migration issues in a production database: https://pris.ly/d/migrate-resolve\n\n" +
    `Migration name: ${migrationName}\n\n` +
    `Database error code: ${code}\n\n` +
    `Database error:\n${databaseError}\n`
  );
}

interface ApplyOneMigrationOptions {
  readonly connection: Connection;
  readonly database: string;
  readonly migration: LocalMigration;
  readonly now: () => Date;
}

/**
 * Applies one migration with Prisma's bookkeeping, step for step (prisma-engines
 * `apply_migrations.rs` and `sql_migration_persistence.rs`): insert the row (uuid, checksum,
 * started_at, name), run the whole script as one multi-statement query, then add one applied
 * step and set finished_at; on failure store the logs, leave finished_at NULL and throw.
 * MySQL commits DDL statement by statement, so a failure can leave part of the script applied.
 * Timestamps are written in UTC, as Prisma writes `chrono::Utc::now()`, whatever the session time zone.
 */
async function applyOneMigration(options: ApplyOneMigrationOptions): Promise<void> {
  const { connection, migration, now } = options;
  // Qualified, so a script that switches database cannot redirect the bookkeeping.
  const table = `${quoteIdentifier(options.database)}._prisma_migrations`;
  const id = randomUUID();
  await connection.query(`INSERT INTO ${table} (id, checksum, started_at, migration_name) VALUES (?, ?, ?, ?)`, [
    id,
    migrationChecksum(migration.script),
    sqlDateTime(now()),
    migration.name,
  ]);
  try {
    await connection.query(migration.script);
  } catch (error) {
    const logs = migrationFailureLogs(migration.name, error);
    await connection.query(`UPDATE ${table} SET logs = ? WHERE id = ?`, [logs, id]);
    throw new MigrationError({ code: "E_MIGRATION_FAILED", message: logs.trimEnd(), migrationName: migration.name, cause: error });
  }
  await connection.query(`UPDATE ${table} SET applied_steps_count = applied_steps_count + 1 WHERE id = ?`, [id]);
  await connection.query(`UPDATE ${table} SET finished_at = ? WHERE id = ?`, [sqlDateTime(now()), id]);
}

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
