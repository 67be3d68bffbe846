import { parseConfig } from "../../src/config/load-config.ts";
import { createLogger } from "../../src/observability/logger.ts";
import { createPrismaClientWithPool } from "../../src/store/create-prisma-client.ts";
import { MariadbSql } from "../../src/store/mariadb-sql.ts";
import { openStore } from "../../src/store/open-store.ts";

/**
 * modelbus's store on a bench database (migrated by openStore), a second pool's SqlPort beside it
 * for bare statements, and the `durable_probe` table (one InnoDB row per commit) they time against.
 */
export async function openProbeStore(databaseUrl: string) {
  const config = parseConfig({ store: { enabled: true }, model_registry: { endpoints: { bench: { provider: "mock", model: "bench" } } } });
  const store = await openStore(config.store, databaseUrl, createLogger({ level: "warn" }));
  const { prisma, pool } = createPrismaClientWithPool(databaseUrl, { connectionLimit: 2 });
  const sql = new MariadbSql(pool);
  await sql.execute({ sql: "CREATE TABLE durable_probe (id VARCHAR(36) PRIMARY KEY, body TEXT) ENGINE=InnoDB", values: [] });
  return { store, prisma, sql };
}
