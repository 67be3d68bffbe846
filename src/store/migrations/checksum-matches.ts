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
