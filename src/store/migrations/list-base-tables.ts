import type { Connection } from "mariadb";

/** The base tables (not views) of one database; empty when the database does not exist. */
export async function listBaseTables(connection: Connection, database: string): Promise<string[]> {
  const rows = await connection.query<Array<{ name: string }>>(
    "SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME",
    [database],
  );
  return rows.map((row) => row.name);
}
