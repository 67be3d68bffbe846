import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import type { LocalMigration } from "./local-migration.ts";
import { MigrationError } from "./migration-error.ts";

function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === "ENOENT";
}

/**
 * The migrations in the order Prisma applies them. Like the Prisma 7 CLI: every sub-folder is a
 * migration (files at the top level are ignored), folders are sorted with `localeCompare`,
 * migration.sql is read with UTF-8 decoding, and a missing folder means no migrations.
 */
export async function listMigrations(migrationsDir: string): Promise<LocalMigration[]> {
  let entries;
  try {
    entries = await readdir(migrationsDir, { withFileTypes: true });
  } catch (error) {
    if (isMissing(error)) return [];
    throw error;
  }
  const names = entries
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort((left, right) => left.localeCompare(right));
  return Promise.all(
    names.map(async (name) => {
      const scriptPath = join(migrationsDir, name, "migration.sql");
      try {
        return { name, scriptPath, script: await readFile(scriptPath, { encoding: "utf8" }) };
      } catch (error) {
        throw new MigrationError({
          code: "E_MIGRATION_INVALID",
          message: `migration ${name} has no readable migration.sql (${scriptPath}): ${(error as Error).message}`,
          migrationName: name,
          cause: error,
        });
      }
    }),
  );
}
