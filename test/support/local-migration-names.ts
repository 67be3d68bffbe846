import { readdir } from "node:fs/promises";
import { defaultMigrationsDir } from "../../src/store/migrations/migration-files.ts";

/** The migration folders in `dir` (default: the project's prisma/migrations), in applying order. */
export async function localMigrationNames(dir = defaultMigrationsDir): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  return entries
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
}
