/** One folder of the migrations directory: `<timestamp>_<name>/migration.sql`. */
export interface LocalMigration {
  /** The folder name, which is what `_prisma_migrations.migration_name` records. */
  readonly name: string;
  readonly scriptPath: string;
  /** The text of migration.sql, decoded as UTF-8. */
  readonly script: string;
}
