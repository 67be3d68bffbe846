/**
 * What `modelbus migrate --status` reports: the database's migration history against the
 * folder, read without writing anything.
 */
import { parseDatabaseUrl } from "../database-url.ts";
import { MigrationError } from "./migration-error.ts";
import { appliedScriptMatches, checkMigrationLock, defaultMigrationsDir, listMigrations } from "./migration-files.ts";
import {
  appliedRecordFor,
  databaseExists as serverHasDatabase,
  isFailedRecord,
  listBaseTables,
  openMigrationConnection,
  readMigrationRecords,
  type MigrationRecord,
} from "./migration-history.ts";

export interface MigrationStatusOptions {
  readonly databaseUrl: string;
  /** Defaults to prisma/migrations at the repository root. */
  readonly migrationsDir?: string | undefined;
}

/**
 * The database's migration history against the folder, computed as Prisma's
 * `diagnoseMigrationHistory` (behind `prisma migrate status`) computes it.
 */
export interface MigrationStatus {
  readonly databaseExists: boolean;
  readonly hasMigrationsTable: boolean;
  /** Every migration in the folder, in order. */
  readonly local: string[];
  /** Folder migrations with a finished, not rolled back row. */
  readonly applied: string[];
  /** Folder migrations with no row at all (Prisma's "have not yet been applied"). */
  readonly unapplied: string[];
  /** Rows started but neither finished nor rolled back; they block deploys. */
  readonly failed: string[];
  /**
   * Applied folder migrations whose file no longer matches the checksum of the row that applied
   * them (the runner refuses these). Prisma's diagnose compares the first row of any state
   * instead, so it would also flag a migration fixed after a failure and re-applied; its
   * `migrate status` command does not print edited migrations at all.
   */
  readonly edited: string[];
  /** Rows whose migration is not in the folder (the folder is behind, or histories diverge). */
  readonly unpersisted: string[];
  /** True when nothing is unapplied, failed, edited or unpersisted. */
  readonly upToDate: boolean;
  readonly records: MigrationRecord[];
}

async function readHistory(options: MigrationStatusOptions, database: string) {
  const connection = await openMigrationConnection(parseDatabaseUrl(options.databaseUrl));
  try {
    const databaseExists = await serverHasDatabase(connection, database);
    const hasMigrationsTable = databaseExists && (await listBaseTables(connection, database)).includes("_prisma_migrations");
    const records = hasMigrationsTable ? await readMigrationRecords(connection, database) : [];
    return { databaseExists, hasMigrationsTable, records };
  } finally {
    await connection.end().catch(() => connection.destroy());
  }
}

/** Reads, never writes: not the database, not the lock, not the folder. */
export async function migrationStatus(options: MigrationStatusOptions): Promise<MigrationStatus> {
  const database = parseDatabaseUrl(options.databaseUrl).database;
  if (database === undefined) {
    throw new MigrationError({ code: "E_MIGRATION_INVALID", message: "the database URL names no database to inspect" });
  }
  const migrationsDir = options.migrationsDir ?? defaultMigrationsDir;
  await checkMigrationLock(migrationsDir);
  const migrations = await listMigrations(migrationsDir);
  const { databaseExists, hasMigrationsTable, records } = await readHistory(options, database);

  const local = migrations.map((migration) => migration.name);
  const recordFor = (name: string) => records.find((record) => record.migrationName === name);
  const applied = local.filter((name) => records.some((record) => record.migrationName === name && record.finishedAt !== null && record.rolledBackAt === null));
  const unapplied = local.filter((name) => recordFor(name) === undefined);
  const edited = migrations
    .filter((migration) => {
      const record = appliedRecordFor(records, migration.name);
      return record !== undefined && !appliedScriptMatches(migration, record.checksum);
    })
    .map((migration) => migration.name);
  const failed = records.filter(isFailedRecord).map((record) => record.migrationName);
  const unpersisted = records.filter((record) => !local.includes(record.migrationName)).map((record) => record.migrationName);
  const upToDate = unapplied.length === 0 && failed.length === 0 && edited.length === 0 && unpersisted.length === 0;
  return { databaseExists, hasMigrationsTable, local, applied, unapplied, failed, edited, unpersisted, upToDate, records };
}
