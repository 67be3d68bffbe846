import { PrismaMariaDb } from "@prisma/adapter-mariadb";
import { PrismaClient } from "../generated/prisma/client.ts";
import { parseDatabaseUrl } from "./migrations/parse-database-url.ts";

export interface CreatePrismaClientOptions {
  /** Pool size; overrides `?connection_limit=` in the URL. The mariadb driver's default is 10. */
  readonly connectionLimit?: number | undefined;
}

/**
 * The generated Prisma client over the MariaDB driver adapter (no query engine binary).
 * The URL is parsed here, once, into the pool config the adapter hands to `mariadb.createPool`,
 * so a bad DATABASE_URL fails with E_CONFIG_INVALID before any connection is tried.
 */
export function createPrismaClient(databaseUrl: string, options: CreatePrismaClientOptions = {}): PrismaClient {
  const parts = parseDatabaseUrl(databaseUrl);
  const connectionLimit = options.connectionLimit ?? parts.connectionLimit;
  const adapter = new PrismaMariaDb(
    {
      host: parts.host,
      port: parts.port,
      user: parts.user,
      ...(parts.password === undefined ? {} : { password: parts.password }),
      ...(parts.database === undefined ? {} : { database: parts.database }),
      ...(connectionLimit === undefined ? {} : { connectionLimit }),
    },
    parts.database === undefined ? {} : { database: parts.database },
  );
  return new PrismaClient({ adapter });
}
