import { createHash } from "node:crypto";
import { canonicalJson } from "../../core/canonical-json.ts";

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
