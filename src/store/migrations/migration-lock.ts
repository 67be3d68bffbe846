import type { Connection } from "mariadb";
import { MigrationError } from "./migration-error.ts";

/**
 * The name of the MySQL named lock `prisma migrate deploy` takes
 * (`SELECT GET_LOCK('prisma_migrate', 10)` in prisma-engines `flavour/mysql.rs`). Using the same
 * name makes modelbus replicas and a concurrent `prisma migrate deploy` exclude each other.
 * Named locks are server-wide, so migrations of different databases on one server queue too.
 */
export const migrationLockName = "prisma_migrate";

/**
 * Waits for the named lock. Prisma ignores GET_LOCK's answer and migrates even after a timeout;
 * modelbus refuses instead, because migrating alongside another migrator is what the lock is for.
 */
export async function acquireMigrationLock(connection: Connection, timeoutSeconds: number): Promise<void> {
  const rows = await connection.query<Array<{ acquired: number | bigint | null }>>(
    "SELECT GET_LOCK(?, ?) AS acquired",
    [migrationLockName, timeoutSeconds],
  );
  if (Number(rows[0]?.acquired) !== 1) {
    throw new MigrationError({
      code: "E_MIGRATION_LOCK_TIMEOUT",
      message: `another migrator held the lock "${migrationLockName}" for more than ${timeoutSeconds}s; try again when it has finished`,
    });
  }
}

/** Lets go of the named lock; closing the connection would too. */
export async function releaseMigrationLock(connection: Connection): Promise<void> {
  await connection.query("SELECT RELEASE_LOCK(?)", [migrationLockName]);
}
