import type { Pool, UpsertResult } from "mariadb";
import type { SqlPort, SqlStatement } from "./sql-port.ts";

/**
 * The SqlPort on the `mariadb` driver's pool (the one Prisma's adapter opened, so the
 * service holds one set of connections). Text protocol: one round trip per statement, no
 * prepare. A transaction sends BEGIN and every statement without waiting in between (the
 * driver pipelines them on one connection) and COMMITs only once all of them succeeded:
 * two round trips whatever the number of statements.
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
    const connection = await (await this.pool()).getConnection();
    let reusable = false;
    try {
      const sent = await Promise.allSettled([
        connection.beginTransaction(),
        ...statements.map((statement) => connection.query(statement.sql, statement.values)),
      ]);
      const failed = sent.find((outcome): outcome is PromiseRejectedResult => outcome.status === "rejected");
      if (failed) {
        reusable = await connection.rollback().then(
          () => true,
          () => false,
        );
        throw failed.reason;
      }
      await connection.commit();
      reusable = true;
    } finally {
      // A connection that failed mid-transaction may still hold it open: never reuse it.
      if (reusable) await connection.release();
      else connection.destroy();
    }
  }
}
