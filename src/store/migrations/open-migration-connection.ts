import { createConnection, type Connection } from "mariadb";
import type { DatabaseUrlParts } from "./parse-database-url.ts";

/**
 * One connection to the server, not bound to a database, with multiple statements allowed so a
 * migration script runs as one multi-statement query, as Prisma's schema engine sends it.
 */
export function openMigrationConnection(parts: DatabaseUrlParts): Promise<Connection> {
  return createConnection({
    host: parts.host,
    port: parts.port,
    user: parts.user,
    ...(parts.password === undefined ? {} : { password: parts.password }),
    multipleStatements: true,
    charset: "utf8mb4",
    collation: "utf8mb4_unicode_ci",
    connectTimeout: 10_000,
  });
}
