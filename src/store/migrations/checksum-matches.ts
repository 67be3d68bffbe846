import { createHash } from "node:crypto";

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
