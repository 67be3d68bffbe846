import type { Connection } from "mariadb";
import { listBaseTables } from "./list-base-tables.ts";
import { MigrationError } from "./migration-error.ts";
import { prismaMigrationsTableDdl } from "./prisma-migrations-table-ddl.ts";

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
