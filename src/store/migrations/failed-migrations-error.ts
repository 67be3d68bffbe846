import { MigrationError } from "./migration-error.ts";
import type { MigrationRecord } from "./migration-record.ts";

function describe(record: MigrationRecord): string {
  const logs = record.logs?.trim() ?? "";
  const withLogs = logs === "" ? "" : ` with the following logs:\n${logs}`;
  return `The \`${record.migrationName}\` migration started at ${record.startedAt.toISOString()} failed${withLogs}`;
}

/**
 * The refusal Prisma gives when `_prisma_migrations` holds failed migrations (P3009), with the
 * ways out spelled for an operator who may not have the Prisma CLI's schema engine at hand.
 */
export function failedMigrationsError(failed: readonly MigrationRecord[]): MigrationError {
  const first = failed[0];
  const name = first?.migrationName ?? "<name>";
  const message = [
    "found failed migrations in the target database, new migrations will not be applied.",
    ...failed.map(describe),
    "",
    "Resolve it before migrating again (https://pris.ly/d/migrate-resolve):",
    `- if you undid the failed migration's partial changes by hand, mark it rolled back so it is applied again: \`npx prisma migrate resolve --rolled-back "${name}"\`, or UPDATE _prisma_migrations SET rolled_back_at = CURRENT_TIMESTAMP(3) WHERE id = '${first?.id ?? "<id>"}';`,
    `- if you completed it by hand, mark it applied: \`npx prisma migrate resolve --applied "${name}"\`.`,
  ].join("\n");
  return new MigrationError({ code: "E_MIGRATION_FAILED", message, migrationName: first?.migrationName });
}
