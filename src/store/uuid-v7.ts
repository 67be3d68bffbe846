import { randomFillSync } from "node:crypto";

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

const pool = Buffer.allocUnsafe(4_096);
let offset = pool.length;

/**
 * `bytes` random bytes as lowercase hex, from a pooled buffer refilled by the CSPRNG
 * (randomFillSync), one allocation per call. crypto.randomUUID draws from a pool as well but
 * assembles its string from 20 pieces: ~10 × the garbage of this for the ids the store makes
 * four of per request. At most 4,096 bytes a call.
 */
export function randomHex(bytes: number): string {
  if (bytes > pool.length) throw new RangeError(`randomHex: ${bytes} bytes is more than the pool's ${pool.length}`);
  if (offset + bytes > pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  const hex = pool.toString("hex", offset, offset + bytes);
  offset += bytes;
  return hex;
}
