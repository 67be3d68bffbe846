/**
 * The migrations folder as Prisma reads it: one sub-folder per migration with its migration.sql,
 * the provider named in migration_lock.toml, and the checksums that tie a file to the
 * `_prisma_migrations` row that applied it.
 */
import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { packageRoot } from "../../core/package-root.ts";
import { MigrationError } from "./migration-error.ts";

/** `prisma/migrations` at the repository root, wherever the process was started from. */
export const defaultMigrationsDir = join(packageRoot(import.meta.url), "prisma/migrations");

/** One folder of the migrations directory: `<timestamp>_<name>/migration.sql`. */
export interface LocalMigration {
  /** The folder name, which is what `_prisma_migrations.migration_name` records. */
  readonly name: string;
  readonly scriptPath: string;
  /** The text of migration.sql, decoded as UTF-8. */
  readonly script: string;
}

function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === "ENOENT";
}

/**
 * The migrations in the order Prisma applies them. Like the Prisma 7 CLI: every sub-folder is a
 * migration (files at the top level are ignored), folders are sorted with `localeCompare`,
 * migration.sql is read with UTF-8 decoding, and a missing folder means no migrations.
 */
export async function listMigrations(migrationsDir: string): Promise<LocalMigration[]> {
  let entries;
  try {
    entries = await readdir(migrationsDir, { withFileTypes: true });
  } catch (error) {
    if (isMissing(error)) return [];
    throw error;
  }
  const names = entries
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort((left, right) => left.localeCompare(right));
  return Promise.all(
    names.map(async (name) => {
      const scriptPath = join(migrationsDir, name, "migration.sql");
      try {
        return { name, scriptPath, script: await readFile(scriptPath, { encoding: "utf8" }) };
      } catch (error) {
        throw new MigrationError({
          code: "E_MIGRATION_INVALID",
          message: `migration ${name} has no readable migration.sql (${scriptPath}): ${(error as Error).message}`,
          migrationName: name,
          cause: error,
        });
      }
    }),
  );
}

/**
 * Refuses a migrations folder written for another database, as Prisma does (P3019): the
 * provider is read from migration_lock.toml the way the schema engine reads it. A folder
 * without a lock file is accepted, as Prisma accepts it.
 */
export async function checkMigrationLock(migrationsDir: string, expectedProvider = "mysql"): Promise<void> {
  const lockPath = join(migrationsDir, "migration_lock.toml");
  let content: string;
  try {
    content = await readFile(lockPath, { encoding: "utf8" });
  } catch {
    return;
  }
  const line = content.split(/\r?\n/).find((candidate) => candidate.startsWith("provider"));
  const provider = line === undefined ? "<PROVIDER NOT FOUND>" : line.replace(/^provider = /, "").replace(/^"+|"+$/g, "");
  if (provider !== expectedProvider) {
    throw new MigrationError({
      code: "E_MIGRATION_INVALID",
      message: `${lockPath} says provider "${provider}", but modelbus migrates "${expectedProvider}"; these migrations were written for another database`,
    });
  }
}

/**
 * The checksum Prisma records in `_prisma_migrations.checksum`: SHA-256 of the script's UTF-8
 * bytes as 64 lower-case hex digits, with no line-ending normalisation (prisma-engines
 * `schema-connector/src/checksum.rs`, `render_checksum`). The script is the text of
 * migration.sql as read with UTF-8 decoding, as the Prisma 7 CLI reads it.
 */
export function migrationChecksum(script: string): string {
  return createHash("sha256").update(script, "utf8").digest("hex");
}

/** Hex of each byte without zero padding: how old schema engines stored some checksums. */
function unpaddedHex(digest: Buffer): string {
  return [...digest].map((byte) => byte.toString(16)).join("");
}

/**
 * Whether a script matches a recorded checksum the way Prisma decides it
 * (`script_matches_checksum`): the script as is, with CRLF turned into LF, or with LF turned
 * into CRLF, so a checkout with other line endings still matches; and checksums shorter than
 * 64 digits are compared in the old unpadded form (prisma-engines issue 1887).
 */
export function checksumMatches(script: string, checksum: string): boolean {
  const variants = [script, script.replaceAll("\r\n", "\n"), script.replaceAll("\n", "\r\n")];
  return variants.some((variant) => {
    const digest = createHash("sha256").update(variant, "utf8").digest();
    const rendered = checksum.length !== 0 && checksum.length !== 64 ? unpaddedHex(digest) : digest.toString("hex");
    return rendered === checksum;
  });
}

/**
 * Migrations whose file was rewritten after release, with the checksums of the texts they had:
 * a database that ran one of those texts is not refused as edited. Each entry needs a later
 * migration that brings such a database to what the new text makes (named beside it).
 */
const rewrittenMigrations: Readonly<Record<string, readonly string[]>> = {
  // First text: `utf8mb4_nopad_bin`, a collation only MariaDB has; 20261203090000_request_ids_as_bytes converges.
  // Its LF and CRLF checksums (a checkout with either line ending may have applied it).
  "20261121140000_exact_request_ids": [
    "5a1a2a2508a1f1f71673bbb3c79779aae2ba041b58107365fa35ac4fe3858f5e",
    "d918413e631d7e75016ec0b990f4d2f44ddd82d945e53a276c8b8591d236b98d",
  ],
};

/** Whether an applied migration's record matches its file: checksumMatches, or a text the file had before a recorded rewrite. */
export function appliedScriptMatches(migration: { readonly name: string; readonly script: string }, checksum: string): boolean {
  return checksumMatches(migration.script, checksum) || (rewrittenMigrations[migration.name]?.includes(checksum) ?? false);
}
