import { PrismaMariaDb } from "@prisma/adapter-mariadb";
import type { Pool, PoolConfig } from "mariadb";
import { PrismaClient } from "../generated/prisma/client.ts";
import { connectionOptions, parseDatabaseUrl, type DatabaseUrlParts } from "./database-url.ts";

export interface CreatePrismaClientOptions {
  /** Pool size; overrides `?connection_limit=` in the URL. The mariadb driver's default is 10. */
  readonly connectionLimit?: number | undefined;
}

/** A Prisma client and the driver pool under it, for statements sent without Prisma. */
export interface PrismaClientWithPool {
  readonly prisma: PrismaClient;
  /** The pool Prisma's adapter opened (connecting the client first if it has not yet). */
  readonly pool: () => Promise<Pool>;
}

/**
 * The MariaDB adapter factory, keeping the pool of the adapter it last connected, and
 * forgetting it when Prisma disposes of that adapter ($disconnect): the next pool() connects
 * Prisma again rather than handing out an ended pool.
 */
class PoolKeepingMariaDb extends PrismaMariaDb {
  pool: Pool | undefined;

  override async connect(): ReturnType<PrismaMariaDb["connect"]> {
    const adapter = await super.connect();
    const pool = adapter.underlyingDriver();
    this.pool = pool;
    const dispose = adapter.dispose.bind(adapter);
    adapter.dispose = async () => {
      if (this.pool === pool) this.pool = undefined;
      await dispose();
    };
    return adapter;
  }
}

/**
 * The generated Prisma client over the MariaDB driver adapter (no query engine binary).
 * The URL is parsed here, once, into the pool config the adapter hands to `mariadb.createPool`,
 * so a bad DATABASE_URL fails with E_CONFIG_INVALID before any connection is tried.
 */
export function createPrismaClient(databaseUrl: string, options: CreatePrismaClientOptions = {}): PrismaClient {
  return createClient(databaseUrl, options, {}).prisma;
}

/**
 * createPrismaClient, also handing out the driver pool so hot statements can skip Prisma's
 * query building. The pool allows multi-statement queries (MariadbSql sends a transaction as
 * one); Prisma's adapter sends prepared single statements and is unaffected. No `initSql`:
 * mariadb 3.4.5 leaves an unhandled rejection behind when a connection dies while its init
 * query runs (mariadb-connector-nodejs#323, fixed in 3.5), which ends a Node process; MariadbSql
 * fixes the session's sql_mode itself where it needs to.
 */
export function createPrismaClientWithPool(databaseUrl: string, options: CreatePrismaClientOptions = {}): PrismaClientWithPool {
  return createClient(databaseUrl, options, { multipleStatements: true });
}

/** An HTTP client waits for a catalog answer; with MySQL gone it should learn so in seconds (the driver's default is 10 s per try). */
const catalogAcquireTimeoutMs = 3_000;

/**
 * The Prisma client of the HTTP catalog: like createPrismaClient, with a short wait for a
 * pool connection, so a catalog call during a MySQL outage is a prompt 503 rather than a
 * request hanging for tens of seconds. Here the URL's `connection_limit` wins over the default.
 */
export function createCatalogPrismaClient(databaseUrl: string, connectionLimit: number): PrismaClient {
  const [config, adapterOptions] = adapterArguments(databaseUrl, (parts) => ({
    connectionLimit: parts.connectionLimit ?? connectionLimit,
    acquireTimeout: catalogAcquireTimeoutMs,
    connectTimeout: catalogAcquireTimeoutMs,
  }));
  return new PrismaClient({ adapter: new PrismaMariaDb(config, adapterOptions) });
}

/** The URL, parsed once, as the adapter's pool config (with what the caller adds) and its options. */
function adapterArguments(databaseUrl: string, pool: (parts: DatabaseUrlParts) => Partial<PoolConfig>): [PoolConfig, { database?: string }] {
  const parts = parseDatabaseUrl(databaseUrl);
  return [{ ...connectionOptions(parts), ...pool(parts) }, parts.database === undefined ? {} : { database: parts.database }];
}

function createClient(databaseUrl: string, options: CreatePrismaClientOptions, extra: Partial<PoolConfig>): PrismaClientWithPool {
  const [config, adapterOptions] = adapterArguments(databaseUrl, (parts) => {
    const connectionLimit = options.connectionLimit ?? parts.connectionLimit;
    return { ...extra, ...(connectionLimit === undefined ? {} : { connectionLimit }) };
  });
  const adapter = new PoolKeepingMariaDb(config, adapterOptions);
  const prisma = new PrismaClient({ adapter });
  const pool = async (): Promise<Pool> => {
    if (adapter.pool === undefined) await prisma.$connect();
    if (adapter.pool === undefined) throw new Error("the Prisma client connected without opening its MariaDB pool");
    return adapter.pool;
  };
  return { prisma, pool };
}
