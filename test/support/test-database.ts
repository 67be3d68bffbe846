/**
 * One uniquely named MariaDB database per test (or per test file), on the server named by
 * TEST_DATABASE_URL (default: root on 127.0.0.1:3306), created empty and dropped afterwards.
 */
import { randomBytes } from "node:crypto";
import { parseDatabaseUrl } from "../../src/store/database-url.ts";
import { openMigrationConnection, quoteIdentifier } from "../../src/store/migrations/migration-history.ts";
import { placeholders } from "../../src/store/sql-values.ts";

/** The server, without a database: `mysql://user[:password]@host:port`. */
export const baseDatabaseUrl = process.env.TEST_DATABASE_URL ?? "mysql://root@127.0.0.1:3306";

export interface TestDatabase {
  /** `baseDatabaseUrl` with this database's name as its path. */
  readonly url: string;
  readonly name: string;
  drop(): Promise<void>;
}

/** The URL of a database on the test server. */
export function testDatabaseUrl(name: string): string {
  const url = new URL(baseDatabaseUrl);
  url.pathname = `/${encodeURIComponent(name)}`;
  return url.toString();
}

async function runOnServer(sql: string): Promise<void> {
  const connection = await openMigrationConnection(parseDatabaseUrl(baseDatabaseUrl));
  try {
    await connection.query(sql);
  } finally {
    await connection.end();
  }
}

/** Runs one statement (or several) on a database of the test server and returns the rows. */
export async function queryTestDatabase<Row = Record<string, unknown>>(databaseUrl: string, sql: string, values: readonly unknown[] = []): Promise<Row[]> {
  const parts = parseDatabaseUrl(databaseUrl);
  const connection = await openMigrationConnection(parts);
  try {
    if (parts.database !== undefined) await connection.query(`USE ${quoteIdentifier(parts.database)}`);
    return await connection.query<Row[]>({ sql, dateStrings: true }, [...values]);
  } finally {
    await connection.end();
  }
}

/** Creates `modelbus_test_<random>` (utf8mb4, as the migration runner would) and returns how to reach and drop it. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `modelbus_test_${randomBytes(6).toString("hex")}`;
  await runOnServer(`CREATE DATABASE ${quoteIdentifier(name)} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  return {
    url: testDatabaseUrl(name),
    name,
    drop: () => runOnServer(`DROP DATABASE IF EXISTS ${quoteIdentifier(name)}`),
  };
}

/**
 * Each request's stored outcome status (`complete`, `error`, …), in the order of `requestIds`;
 * `missing` where no answer is stored. Claims leave no row: an `inferences` row is an answer.
 */
export async function storedStatuses(databaseUrl: string, requestIds: readonly string[]): Promise<string[]> {
  if (requestIds.length === 0) return [];
  const rows = await queryTestDatabase<{ request_id: string; status: string | null }>(
    databaseUrl,
    `SELECT CONVERT(request_id USING utf8mb4) AS request_id, status FROM inferences WHERE completed_at IS NOT NULL AND request_id IN (${placeholders(requestIds.length)})`,
    requestIds,
  );
  const byRequest = new Map(rows.map((row) => [row.request_id, row.status ?? "null"]));
  return requestIds.map((id) => byRequest.get(id) ?? "missing");
}
