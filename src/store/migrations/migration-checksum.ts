import { createHash } from "node:crypto";

/**
 * The checksum Prisma records in `_prisma_migrations.checksum`: SHA-256 of the script's UTF-8
 * bytes as 64 lower-case hex digits, with no line-ending normalisation (prisma-engines
 * `schema-connector/src/checksum.rs`, `render_checksum`). The script is the text of
 * migration.sql as read with UTF-8 decoding, as the Prisma 7 CLI reads it.
 */
export function migrationChecksum(script: string): string {
  return createHash("sha256").update(script, "utf8").digest("hex");
}
