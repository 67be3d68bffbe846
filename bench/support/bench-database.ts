import mariadb from "mariadb";
import { databaseServerUrl, databaseUrl } from "../load/bench-names.ts";

export interface DatabaseParts {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password?: string;
}

export function serverParts(): DatabaseParts {
  const url = new URL(databaseServerUrl);
  const password = decodeURIComponent(url.password);
  return {
    host: url.hostname,
    port: Number(url.port || 3306),
    user: decodeURIComponent(url.username || "root"),
    ...(password ? { password } : {}),
  };
}

async function onServer<T>(run: (connection: mariadb.Connection) => Promise<T>): Promise<T> {
  const connection = await mariadb.createConnection({ ...serverParts(), bigIntAsNumber: true });
  try {
    return await run(connection);
  } finally {
    await connection.end();
  }
}

const checkName = (name: string) => {
  if (!/^[A-Za-z0-9_]+$/.test(name)) throw new Error(`bad database name ${name}`);
  return name;
};

/** An empty utf8mb4 database for one run; `drop` removes it. */
export async function createBenchDatabase(name: string): Promise<{ url: string; name: string; drop: () => Promise<void> }> {
  await onServer((connection) => connection.query(`CREATE DATABASE \`${checkName(name)}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`));
  return {
    url: databaseUrl(name),
    name,
    drop: () => onServer((connection) => connection.query(`DROP DATABASE IF EXISTS \`${checkName(name)}\``)).then(() => undefined),
  };
}

/** One number from a database of the server, e.g. a row count. */
export async function countInDatabase(database: string, sql: string): Promise<number> {
  return onServer(async (connection) => {
    await connection.query(`USE \`${checkName(database)}\``);
    const rows = (await connection.query(sql)) as Record<string, unknown>[];
    return Number(Object.values(rows[0] ?? {})[0] ?? Number.NaN);
  });
}

/**
 * Drops databases left by an interrupted earlier run: `modelbus_bench_*` whose tables are all
 * more than an hour old. Younger ones may belong to a bench or smoke test running right now.
 */
export async function dropStaleBenchDatabases(maxAgeHours = 1): Promise<number> {
  return onServer(async (connection) => {
    const rows = (await connection.query(
      `SELECT TABLE_SCHEMA AS name FROM information_schema.TABLES
        WHERE TABLE_SCHEMA LIKE 'modelbus\\_bench\\_%'
        GROUP BY TABLE_SCHEMA
        HAVING MAX(CREATE_TIME) < NOW() - INTERVAL ? HOUR`,
      [maxAgeHours],
    )) as { name: string }[];
    for (const row of rows) await connection.query(`DROP DATABASE IF EXISTS \`${checkName(row.name)}\``);
    return rows.length;
  });
}
