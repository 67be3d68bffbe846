import type { IdempotencyRecords } from "../../store/idempotency-records.ts";
import { HttpError } from "./http-error.ts";
import type { IdempotentRequestId } from "./idempotency-request-id.ts";

export interface IdempotencyCheck {
  readonly records: IdempotencyRecords;
  readonly id: IdempotentRequestId;
  readonly ttlMs: number;
  readonly now: number;
}

/**
 * Before a keyed turn runs: rows of this key older than the TTL are expired (their
 * request_id freed, the inference kept), so the key counts as new; a live row made from
 * another body means the key is being reused for a different request: 422.
 */
export async function checkIdempotencyKey(check: IdempotencyCheck): Promise<void> {
  const rows = await check.records.find(check.id.prefix);
  const expired = rows.filter((row) => check.now - row.createdAt.getTime() > check.ttlMs);
  await check.records.expire(expired.map((row) => row.requestId));
  const reused = rows.some((row) => !expired.includes(row) && row.requestId !== check.id.requestId);
  if (reused) {
    throw new HttpError({
      code: "E_IDEMPOTENCY_KEY_REUSED",
      message: "this Idempotency-Key was already used with a different request body",
      details: { header: "idempotency-key" },
    });
  }
}
