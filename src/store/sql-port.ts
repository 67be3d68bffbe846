/** One statement: SQL text built from constants, every value bound to a `?`. */
export interface SqlStatement {
  readonly sql: string;
  readonly values: readonly unknown[];
}

/**
 * The store's hot path talks to the database through this port only: a handful of
 * statements, each with `?` placeholders. Rows come back with snake_case column names,
 * DATETIME columns as UTC `YYYY-MM-DD HH:MM:SS.fff` strings (see sql-values.ts).
 */
export interface SqlPort {
  /** Runs one statement; resolves with the number of rows it affected. */
  execute(statement: SqlStatement): Promise<number>;
  /** Runs one SELECT; resolves with its rows. */
  query<Row>(statement: SqlStatement): Promise<Row[]>;
  /** Runs the statements in one transaction: all of them are committed, or none. */
  transaction(statements: readonly SqlStatement[]): Promise<void>;
}
