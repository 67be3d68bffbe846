import type { Pool, UpsertResult } from "mariadb";
import type { SqlPort, SqlStatement } from "./sql-port.ts";

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
 */
export class MariadbSql implements SqlPort {
  constructor(private readonly pool: () => Promise<Pool>) {}

  async execute(statement: SqlStatement): Promise<number> {
    const pool = await this.pool();
    const result = await pool.query<UpsertResult>(statement.sql, statement.values);
    return Number(result.affectedRows);
  }

  async query<Row>(statement: SqlStatement): Promise<Row[]> {
    const pool = await this.pool();
    return await pool.query<Row[]>({ sql: statement.sql, dateStrings: true }, statement.values);
  }

  async transaction(statements: readonly SqlStatement[]): Promise<void> {
    const sql = `START TRANSACTION;${statements.map((statement) => statement.sql).join(";")};COMMIT`;
    const values = statements.flatMap((statement) => statement.values);
    const connection = await (await this.pool()).getConnection();
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
}
