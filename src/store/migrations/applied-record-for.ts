import type { MigrationRecord } from "./migration-record.ts";

/**
 * The record that makes a migration count as applied for Prisma's deploy: same name, not
 * rolled back. Rows marked rolled back are history only; the migration is due again.
 */
export function appliedRecordFor(records: readonly MigrationRecord[], migrationName: string): MigrationRecord | undefined {
  return records.find((record) => record.migrationName === migrationName && record.rolledBackAt === null);
}
