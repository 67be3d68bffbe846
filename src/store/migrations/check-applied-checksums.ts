import { appliedRecordFor } from "./applied-record-for.ts";
import { appliedScriptMatches } from "./checksum-matches.ts";
import type { LocalMigration } from "./local-migration.ts";
import { migrationChecksum } from "./migration-checksum.ts";
import { MigrationError } from "./migration-error.ts";
import type { MigrationRecord } from "./migration-record.ts";

/**
 * Refuses when an applied migration's file changed since it ran. `prisma migrate deploy` does
 * not check this (only `migrate dev` and `migrate status` report edited migrations); modelbus
 * does, because an edited migration means the database differs from what the folder says.
 */
export function checkAppliedChecksums(migrations: readonly LocalMigration[], records: readonly MigrationRecord[]): void {
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
