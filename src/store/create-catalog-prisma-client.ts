import { PrismaMariaDb } from "@prisma/adapter-mariadb";
import { PrismaClient } from "../generated/prisma/client.ts";
import { connectionOptions, parseDatabaseUrl } from "./migrations/parse-database-url.ts";

/** An HTTP client waits for this answer; with MySQL gone it should learn so in seconds (the driver's default is 10 s per try). */
const acquireTimeoutMs = 3_000;

/**
 * The Prisma client of the HTTP catalog: like createPrismaClient, with a short wait for a
 * pool connection, so a catalog call during a MySQL outage is a prompt 503 rather than a
 * request hanging for tens of seconds.
 */
export function createCatalogPrismaClient(databaseUrl: string, connectionLimit: number): PrismaClient {
  const parts = parseDatabaseUrl(databaseUrl);
  const adapter = new PrismaMariaDb(
    {
      ...connectionOptions(parts),
      connectionLimit: parts.connectionLimit ?? connectionLimit,
      acquireTimeout: acquireTimeoutMs,
      connectTimeout: acquireTimeoutMs,
    },
    parts.database === undefined ? {} : { database: parts.database },
  );
  return new PrismaClient({ adapter });
}
