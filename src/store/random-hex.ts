import { randomFillSync } from "node:crypto";

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
