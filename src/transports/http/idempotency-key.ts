/**
 * Idempotency-Key on session turns: the request_id a key and a body make, and the check that
 * frees expired keys and refuses a live key reused with another body.
 */
import { createHash } from "node:crypto";
import { canonicalJson } from "../../core/canonical-json.ts";
import type { IdempotencyRecords } from "../../store/idempotency-records.ts";
import { HttpError } from "./http-errors.ts";

const sha256 = (text: string) => createHash("sha256").update(text, "utf8").digest("hex");

export interface IdempotentRequestId {
  /** `idem:<session>:<key digest>:` — every request_id ever made from this key in this session starts so. */
  readonly prefix: string;
  /** prefix + digest of the body: the request_id of this exact request. */
  readonly requestId: string;
}

/**
 * The request_id of a session turn sent with an Idempotency-Key. Keys are stored in the
 * `inferences` table through their request_id: a retry with the same key and body makes
 * the same request_id, which the store answers from its completed row without calling the
 * model. The body's digest is part of the id, so a same key with another body makes a
 * different id under the same prefix, which is how it is recognised (and refused with 422).
 * Digests keep the id short (107 characters) and free of whatever the client's key contains.
 */
export function idempotentRequestId(sessionId: string, key: string, body: unknown): IdempotentRequestId {
  const prefix = `idem:${sessionId}:${sha256(key).slice(0, 32)}:`;
  return { prefix, requestId: prefix + sha256(canonicalJson(body)).slice(0, 32) };
}

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
