/**
 * The history a database keeps of its migrations: Prisma's `_prisma_migrations` table, created
 * with Prisma's own DDL and read row by row, and the connection the runner reads and writes it on.
 */
import { createConnection, type Connection } from "mariadb";
import { connectionOptions, type DatabaseUrlParts } from "../database-url.ts";
import { parseSqlDateTime } from "../sql-values.ts";
import { MigrationError } from "./migration-error.ts";

/** One row of `_prisma_migrations`. Timestamps are UTC, as Prisma writes them. */
export interface MigrationRecord {
  readonly id: string;
  readonly checksum: string;
  readonly finishedAt: Date | null;
  readonly migrationName: string;
  readonly logs: string | null;
  readonly rolledBackAt: Date | null;
  readonly startedAt: Date;
  readonly appliedStepsCount: number;
}

/** A `_prisma_migrations` row as the driver returns it. */
export interface MigrationRow {
  id: string;
  checksum: string;
  finished_at: string | null;
  migration_name: string;
  logs: string | null;
  rolled_back_at: string | null;
  started_at: string;
  applied_steps_count: number;
}

/** A MySQL identifier in backticks, with backticks inside doubled. */
export function quoteIdentifier(name: string): string {
  return `\`${name.replaceAll("`", "``")}\``;
}

/**
 * One connection to the server, not bound to a database, with multiple statements allowed so a
 * migration script runs as one multi-statement query, as Prisma's schema engine sends it.
 */
export function openMigrationConnection(parts: DatabaseUrlParts): Promise<Connection> {
  const { database: _chosenLater, ...server } = connectionOptions(parts);
  return createConnection({
    ...server,
    multipleStatements: true,
    charset: "utf8mb4",
    collation: "utf8mb4_unicode_ci",
    connectTimeout: 10_000,
  });
}

/** Whether the server has the database. */
export async function databaseExists(connection: Connection, database: string): Promise<boolean> {
  const found = await connection.query<unknown[]>("SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?", [database]);
  return found.length > 0;
}

/** The base tables (not views) of one database; empty when the database does not exist. */
export async function listBaseTables(connection: Connection, database: string): Promise<string[]> {
  const rows = await connection.query<Array<{ name: string }>>(
    "SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME",
    [database],
  );
  return rows.map((row) => row.name);
}

/**
 * Prisma's own DDL for its bookkeeping table on MySQL, character for character
 * (prisma-engines `sql-schema-connector/src/flavour/mysql.rs`, `create_migrations_table`), so a
 * database migrated by modelbus is indistinguishable from one migrated by `prisma migrate deploy`.
 */
export const prismaMigrationsTableDdl = `CREATE TABLE _prisma_migrations (
    id                      VARCHAR(36) PRIMARY KEY NOT NULL,
    checksum                VARCHAR(64) NOT NULL,
    finished_at             DATETIME(3),
    migration_name          VARCHAR(255) NOT NULL,
    logs                    TEXT,
    rolled_back_at          DATETIME(3),
    started_at              DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    applied_steps_count     INTEGER UNSIGNED NOT NULL DEFAULT 0
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
`;

/**
 * Prisma's `initialize`: keeps an existing `_prisma_migrations`; creates it in an empty
 * database; refuses a database that has tables but no migration history (P3005), because
 * applying the first migration over an unknown schema would fail half-way or do damage.
 * The connection must be using the target database.
 */
export async function ensureMigrationsTable(connection: Connection, database: string): Promise<"existing" | "created"> {
  const tables = await listBaseTables(connection, database);
  if (tables.includes("_prisma_migrations")) return "existing";
  if (tables.length > 0) {
    throw new MigrationError({
      code: "E_MIGRATION_INVALID",
      message:
        `database ${database} is not empty (${tables.join(", ")}) but has no _prisma_migrations table, so its schema is unknown. ` +
        "Baseline it first (https://pris.ly/d/migrate-baseline) or migrate an empty database.",
    });
  }
  await connection.query(prismaMigrationsTableDdl);
  return "created";
}

/** The rows of `_prisma_migrations` ordered by started_at, as Prisma lists them (DATETIME(3) text in UTC, as Prisma writes it). */
export async function readMigrationRecords(connection: Connection, database: string): Promise<MigrationRecord[]> {
  const rows = await connection.query<MigrationRow[]>({
    sql: `SELECT id, checksum, finished_at, migration_name, logs, rolled_back_at, started_at, applied_steps_count
          FROM ${quoteIdentifier(database)}._prisma_migrations ORDER BY started_at ASC`,
    dateStrings: true,
  });
  return rows.map((row) => ({
    id: row.id,
    checksum: row.checksum,
    finishedAt: parseSqlDateTime(row.finished_at),
    migrationName: row.migration_name,
    logs: row.logs,
    rolledBackAt: parseSqlDateTime(row.rolled_back_at),
    startedAt: parseSqlDateTime(row.started_at),
    appliedStepsCount: Number(row.applied_steps_count),
  }));
}

/**
 * The record that makes a migration count as applied for Prisma's deploy: same name, not
 * rolled back. Rows marked rolled back are history only; the migration is due again.
 */
export function appliedRecordFor(records: readonly MigrationRecord[], migrationName: string): MigrationRecord | undefined {
  return records.find((record) => record.migrationName === migrationName && record.rolledBackAt === null);
}

/** A record Prisma counts as failed: started, never finished, not marked rolled back. */
export function isFailedRecord(record: MigrationRecord): boolean {
  return record.finishedAt === null && record.rolledBackAt === null;
}
