import { randomUUID } from "node:crypto";
import type { Connection } from "mariadb";
import type { LocalMigration } from "./local-migration.ts";
import { migrationChecksum } from "./migration-checksum.ts";
import { MigrationError } from "./migration-error.ts";
import { migrationFailureLogs } from "./migration-failure-logs.ts";
import { quoteIdentifier } from "./quote-identifier.ts";
import { utcTimestamp } from "./utc-timestamp.ts";

export interface ApplyOneMigrationOptions {
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
 */
export async function applyOneMigration(options: ApplyOneMigrationOptions): Promise<void> {
  const { connection, migration, now } = options;
  // Qualified, so a script that switches database cannot redirect the bookkeeping.
  const table = `${quoteIdentifier(options.database)}._prisma_migrations`;
  const id = randomUUID();
  await connection.query(`INSERT INTO ${table} (id, checksum, started_at, migration_name) VALUES (?, ?, ?, ?)`, [
    id,
    migrationChecksum(migration.script),
    utcTimestamp(now()),
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
  await connection.query(`UPDATE ${table} SET finished_at = ? WHERE id = ?`, [utcTimestamp(now()), id]);
}
