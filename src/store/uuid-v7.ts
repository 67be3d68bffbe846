import { randomHex } from "./random-hex.ts";

let lastMs = 0;
let counter = 0;
/** `xxxxxxxx-xxxx-7` for lastMs: made once per millisecond, not once per id. */
let prefix = "";
const variantDigits = ["8", "9", "a", "b"];

/**
 * A UUIDv7 (RFC 9562): 48 bits of Unix milliseconds, then a 12-bit counter, then random
 * bits. Ids of rows created here sort by creation time, so a list ordered by id is ordered
 * by age and an id alone is a stable pagination cursor, and InnoDB appends new rows at the
 * end of the primary key instead of splitting pages all over it (the store's hot path makes
 * four rows per request). The counter keeps ids made in the same millisecond increasing
 * within this process. The 62 random bits come from randomHex (pooled CSPRNG bytes).
 */
export function uuidV7(now: number = Date.now()): string {
  if (now > lastMs) {
    setMillisecond(now);
    counter = Math.floor(Math.random() * 0x400); // leave headroom below 0xfff
  } else if (++counter > 0xfff) {
    setMillisecond(lastMs + 1);
    counter = 0;
  }
  const random = randomHex(8);
  // The variant: 0b10 then two random bits, one of 8, 9, a, b.
  const variant = variantDigits[Number.parseInt(random.charAt(0), 16) & 3] as string;
  return `${prefix}${counter.toString(16).padStart(3, "0")}-${variant}${random.slice(1, 4)}-${random.slice(4)}`;
}

function setMillisecond(ms: number): void {
  lastMs = ms;
  const time = ms.toString(16).padStart(12, "0");
  prefix = `${time.slice(0, 8)}-${time.slice(8)}-7`;
}
