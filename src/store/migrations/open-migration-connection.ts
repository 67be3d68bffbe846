import { createConnection, type Connection } from "mariadb";
import { connectionOptions, type DatabaseUrlParts } from "./parse-database-url.ts";

/**
 * One connection to the server, not bound to a database, with multiple statements allowed so a
 * migration script runs as one multi-statement query, as Prisma's schema engine sends it.
 */
export function openMigrationConnection(parts: DatabaseUrlParts): Promise<Connection> {
  const { database: _chosenLater, ...server } = connectionOptions(parts);
  return createConnection({
    ...server,
    multipleStatements: true,
    charset: "utf8mb4",
    collation: "utf8mb4_unicode_ci",
    connectTimeout: 10_000,
  });
}
