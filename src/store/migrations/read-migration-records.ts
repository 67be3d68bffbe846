import type { Connection } from "mariadb";
import type { MigrationRecord } from "./migration-record.ts";
import { quoteIdentifier } from "./quote-identifier.ts";

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

/** DATETIME(3) text as stored (UTC, as Prisma writes it) to a Date. */
function utcDate(text: string): Date {
  return new Date(`${text.replace(" ", "T")}Z`);
}

/** The rows of `_prisma_migrations` ordered by started_at, as Prisma lists them. */
export async function readMigrationRecords(connection: Connection, database: string): Promise<MigrationRecord[]> {
  const rows = await connection.query<MigrationRow[]>({
    sql: `SELECT id, checksum, finished_at, migration_name, logs, rolled_back_at, started_at, applied_steps_count
          FROM ${quoteIdentifier(database)}._prisma_migrations ORDER BY started_at ASC`,
    dateStrings: true,
  });
  return rows.map((row) => ({
    id: row.id,
    checksum: row.checksum,
    finishedAt: row.finished_at === null ? null : utcDate(row.finished_at),
    migrationName: row.migration_name,
    logs: row.logs,
    rolledBackAt: row.rolled_back_at === null ? null : utcDate(row.rolled_back_at),
    startedAt: utcDate(row.started_at),
    appliedStepsCount: Number(row.applied_steps_count),
  }));
}
