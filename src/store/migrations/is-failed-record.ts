import type { MigrationRecord } from "./migration-record.ts";

/** A record Prisma counts as failed: started, never finished, not marked rolled back. */
export function isFailedRecord(record: MigrationRecord): boolean {
  return record.finishedAt === null && record.rolledBackAt === null;
}
