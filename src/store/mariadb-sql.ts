import type { Pool, PoolConnection, UpsertResult } from "mariadb";
import type { SqlPort, SqlStatement } from "./sql-port.ts";

/**
 * Takes NO_BACKSLASH_ESCAPES out of a session's sql_mode and leaves the rest. MariadbSql's
 * statements use the text protocol, where the driver escapes values itself, always with
 * backslashes; under that mode the escaping would not hold (a value could end its string
 * literal: corrupted text at best, injected SQL at worst).
 */
export const keepBackslashEscapes = "SET SESSION sql_mode = TRIM(BOTH ',' FROM REPLACE(CONCAT(',', @@SESSION.sql_mode, ','), ',NO_BACKSLASH_ESCAPES,', ','))";

/**
 * The store's sessions read committed data without locking it. Under REPEATABLE READ the
 * claim's `INSERT … SELECT … WHERE NOT EXISTS (stored answer)` took shared gap locks on
 * `inferences`, so a multi-row claim and a multi-row outcome inserting into those gaps could
 * deadlock; the store's statements need no repeatable snapshot (single reads, insert-only
 * transactions).
 */
export const readCommitted = "SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED";

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
 * Before a connection's first statement here, its session is set to READ COMMITTED
 * (readCommitted), and whenever its last status from the server says the session does not
 * escape with backslashes, keepBackslashEscapes runs first (once per connection, in practice:
 * only where the server's or account's sql_mode has the mode).
 */
export class MariadbSql implements SqlPort {
  /**
   * Sessions set to READ COMMITTED, by their connection's `info` (the pool wraps a connection
   * in a new object on every checkout; its info object lives as long as the connection).
   */
  private readonly prepared = new WeakSet<object>();

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

  /** A pooled connection whose session reads committed data and escapes with backslashes. */
  private async connection(): Promise<PoolConnection> {
    const connection = await (await this.pool()).getConnection();
    const session = connection.info;
    const escapes = ((session?.status ?? 0) & noBackslashEscapesStatus) === 0;
    const prepared = session !== null && this.prepared.has(session);
    if (escapes && prepared) return connection;
    try {
      if (!prepared) await connection.query(readCommitted);
      if (!escapes) await connection.query(keepBackslashEscapes);
      if (session !== null) this.prepared.add(session);
      return connection;
    } catch (error) {
      connection.destroy();
      throw error;
    }
  }
}
