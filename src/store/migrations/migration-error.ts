/**
 * Stable codes of the migration runner (listed in the core catalog and docs/operations.md, "Error codes").
 * Migrations run before the service starts, so nothing downstream switches on them.
 */
export type MigrationErrorCode =
  /** An already-applied migration's migration.sql no longer has the checksum recorded when it ran. */
  | "E_MIGRATION_CHECKSUM"
  /** A migration failed now, or an earlier failure is still recorded in `_prisma_migrations`. */
  | "E_MIGRATION_FAILED"
  /** Another migrator held the named lock for longer than the lock timeout. */
  | "E_MIGRATION_LOCK_TIMEOUT"
  /** The migrations folder or the target database cannot be migrated as they are. */
  | "E_MIGRATION_INVALID"
  /** The database server is not an engine (and version) modelbus supports. */
  | "E_MIGRATION_ENGINE_UNSUPPORTED";

export interface MigrationErrorOptions {
  readonly code: MigrationErrorCode;
  readonly message: string;
  /** The migration concerned, when there is one. */
  readonly migrationName?: string | undefined;
  readonly cause?: unknown;
}

/** Why `applyMigrations` refused to migrate, or what went wrong while it did. */
export class MigrationError extends Error {
  override readonly name = "MigrationError";
  readonly code: MigrationErrorCode;
  readonly migrationName: string | undefined;

  constructor(options: MigrationErrorOptions) {
    super(options.message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = options.code;
    this.migrationName = options.migrationName;
  }
}
