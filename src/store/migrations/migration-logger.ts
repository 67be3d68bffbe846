/** The slice of a pino logger the migration runner writes to. */
export interface MigrationLogger {
  info(object: Record<string, unknown>, message: string): void;
}
