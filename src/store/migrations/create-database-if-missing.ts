import type { Connection } from "mariadb";
import { quoteIdentifier } from "./quote-identifier.ts";

/**
 * Creates the database with Prisma's character set and collation when it does not exist.
 * Looks first, so a user without the server-wide CREATE privilege can still migrate a database
 * that exists (MySQL checks the privilege even for CREATE DATABASE IF NOT EXISTS).
 */
export async function createDatabaseIfMissing(connection: Connection, database: string): Promise<void> {
  const found = await connection.query<unknown[]>("SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?", [database]);
  if (found.length > 0) return;
  await connection.query(`CREATE DATABASE IF NOT EXISTS ${quoteIdentifier(database)} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
}
