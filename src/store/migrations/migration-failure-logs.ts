/** What a failed statement tells about itself; the mariadb driver's SqlError has these. */
interface DatabaseFailure {
  readonly errno?: number | undefined;
  readonly sqlMessage?: string | null | undefined;
  readonly message?: string | undefined;
}

/**
 * The text Prisma stores in `_prisma_migrations.logs` when a script fails: the P3018 message
 * (user_facing_errors `ApplyMigrationError`), with the server's error code and message.
 */
export function migrationFailureLogs(migrationName: string, error: unknown): string {
  const failure = (typeof error === "object" && error !== null ? error : { message: String(error) }) as DatabaseFailure;
  const code = failure.errno === undefined ? "none" : String(failure.errno);
  const databaseError = failure.sqlMessage ?? failure.message ?? String(error);
  return (
    "A migration failed to apply. New migrations cannot be applied before the error is recovered from. " +
    "Read more about how to resolve migration issues in a production database: https://pris.ly/d/migrate-resolve\n\n" +
    `Migration name: ${migrationName}\n\n` +
    `Database error code: ${code}\n\n` +
    `Database error:\n${databaseError}\n`
  );
}
