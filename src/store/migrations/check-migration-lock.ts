import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { MigrationError } from "./migration-error.ts";

/**
 * Refuses a migrations folder written for another database, as Prisma does (P3019): the
 * provider is read from migration_lock.toml the way the schema engine reads it. A folder
 * without a lock file is accepted, as Prisma accepts it.
 */
export async function checkMigrationLock(migrationsDir: string, expectedProvider = "mysql"): Promise<void> {
  const lockPath = join(migrationsDir, "migration_lock.toml");
  let content: string;
  try {
    content = await readFile(lockPath, { encoding: "utf8" });
  } catch {
    return;
  }
  const line = content.split(/\r?\n/).find((candidate) => candidate.startsWith("provider"));
  const provider = line === undefined ? "<PROVIDER NOT FOUND>" : line.replace(/^provider = /, "").replace(/^"+|"+$/g, "");
  if (provider !== expectedProvider) {
    throw new MigrationError({
      code: "E_MIGRATION_INVALID",
      message: `${lockPath} says provider "${provider}", but modelbus migrates "${expectedProvider}"; these migrations were written for another database`,
    });
  }
}
