import type { Pool, PoolConnection, UpsertResult } from "mariadb";
import type { SqlPort, SqlStatement } from "./sql-port.ts";

/**
 * Takes NO_BACKSLASH_ESCAPES out of a session's sql_mode and leaves the rest. MariadbSql's
 * statements use the text protocol, where the driver escapes values itself, always with
 * backslashes; under that mode the escaping would not hold (a value could end its string
 * literal: corrupted text at best, injected SQL at worst).
 */
export const keepBackslashEscapes =
  "SET SESSION sql_mode = TRIM(BOTH ',' FROM REPLACE(CONCAT(',', @@SESSION.sql_mode, ','), ',NO_BACKSLASH_ESCAPES,', ','))";

/** SERVER_STATUS_NO_BACKSLASH_ESCAPES: set in every status the server sends while the session has the mode. */
const noBackslashEscapesStatus = 1 << 9;

/**
 * The SqlPort on the `mariadb` driver's pool (the one Prisma's adapter opened, so the
 * service holds one set of connections). Text protocol: one round trip per statement, no
 * prepare. A transaction goes as ONE multi-statement query — `START TRANSACTION; …; COMMIT`
 * — so it costs one write and one round trip whatever the number of statements: the server
 * stops at the first statement that fails, so COMMIT never runs after a failure, and the
 * open transaction is rolled back before the connection goes back to the pool. (Each socket
 * write to the database cost ~45 µs of CPU here; the pipelined BEGIN, statements and COMMIT
 * were six of them.) Needs the pool opened with `multipleStatements` (createPrismaClientWithPool);
 * every value is still a bound `?` the driver escapes, and the SQL text is built from constants.
 * Before a connection's first statement here, its last status from the server says whether
 * the session escapes with backslashes; if not, keepBackslashEscapes runs first (once per
 * connection, in practice: only where the server's or account's sql_mode has the mode).
 */
export class MariadbSql implements SqlPort {
  constructor(private readonly pool: () => Promise<Pool>) {}

  async execute(statement: SqlStatement): Promise<number> {
    const result = await this.withConnection((connection) => connection.query<UpsertResult>(statement.sql, statement.values));
    return Number(result.affectedRows);
  }

  query<Row>(statement: SqlStatement): Promise<Row[]> {
    return this.withConnection((connection) => connection.query<Row[]>({ sql: statement.sql, dateStrings: true }, statement.values));
  }

  async transaction(statements: readonly SqlStatement[]): Promise<void> {
    const sql = `START TRANSACTION;${statements.map((statement) => statement.sql).join(";")};COMMIT`;
    const values = statements.flatMap((statement) => statement.values);
    const connection = await this.connection();
    let reusable = false;
    try {
      await connection.query(sql, values);
      reusable = true;
    } catch (error) {
      // A statement failed: the ones before it are still in an open transaction.
      reusable = await connection.rollback().then(
        () => true,
        () => false,
      );
      throw error;
    } finally {
      // A connection whose rollback failed may still hold the transaction: never reuse it.
      if (reusable) await connection.release();
      else connection.destroy();
    }
  }

  /** Runs one statement on a pooled connection, given back to the pool whatever happens. */
  private async withConnection<T>(run: (connection: PoolConnection) => Promise<T>): Promise<T> {
    const connection = await this.connection();
    try {
      return await run(connection);
    } finally {
      await connection.release();
    }
  }

  /** A pooled connection whose session escapes with backslashes. */
  private async connection(): Promise<PoolConnection> {
    const connection = await (await this.pool()).getConnection();
    if (((connection.info?.status ?? 0) & noBackslashEscapesStatus) === 0) return connection;
    try {
      await connection.query(keepBackslashEscapes);
      return connection;
    } catch (error) {
      connection.destroy();
      throw error;
    }
  }
}
