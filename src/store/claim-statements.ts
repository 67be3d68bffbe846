import { hash } from "node:crypto";
import type { AgentResponse } from "../core/agent-response.ts";
import type { SqlStatement } from "./sql-port.ts";
import { parseSqlJson, placeholders } from "./sql-values.ts";

/**
 * The statements on `inference_claims`, the MEMORY table of requests being worked on (see the
 * migration 20261121130000_claims_in_memory). A claim's key is SHA-256 of its request_id,
 * sent as hex and stored as 32 bytes.
 */
export function claimKeyOf(requestId: string): string {
  return hash("sha256", requestId);
}

export interface NewClaim {
  readonly requestId: string;
  readonly claimKey: string;
  readonly owner: string;
  /** DATETIME(3) text (sqlDateTime). */
  readonly leaseUntil: string;
  /** The delivery making the claim (DeliveryIdentity); null for the HTTP door. */
  readonly source: string | null;
  readonly attempt: number;
}

const claimRow = "SELECT UNHEX(?), ?, ?, ?, ? FROM DUAL WHERE NOT EXISTS (SELECT 1 FROM inferences WHERE request_id = ?)";

/**
 * One statement, one round trip, no redo-log flush: claims every request that is not claimed
 * yet and has no stored answer. Affected rows = claims made; when that is every item, all are
 * new and ours. One SELECT per row, joined by UNION ALL: a derived table of the rows, joined
 * once, cost MariaDB a temporary table per statement (0.05–0.2 ms more for one row).
 */
export function insertClaims(claims: readonly NewClaim[]): SqlStatement {
  const values: unknown[] = [];
  for (const claim of claims) values.push(claim.claimKey, claim.owner, claim.leaseUntil, claim.source, claim.attempt, claim.requestId);
  return {
    sql:
      "INSERT IGNORE INTO inference_claims (claim_key, owner, lease_until, source, attempt) " + claimRow + ` UNION ALL ${claimRow}`.repeat(claims.length - 1),
    values,
  };
}

/** A claim as selectClaims returns it (DATETIME as a UTC string). */
export interface ClaimRecord {
  readonly claim_key: string;
  readonly owner: string;
  readonly lease_until: string;
  readonly source: string | null;
  readonly attempt: number | string;
}

/** `UNHEX(?),…` — an `IN (…)` list of `count` hex keys. */
function keyPlaceholders(count: number): string {
  return `${"UNHEX(?),".repeat(count - 1)}UNHEX(?)`;
}

export function selectClaims(claimKeys: readonly string[]): SqlStatement {
  return {
    sql: `SELECT LOWER(HEX(claim_key)) AS claim_key, owner, lease_until, source, attempt FROM inference_claims WHERE claim_key IN (${keyPlaceholders(claimKeys.length)})`,
    values: claimKeys,
  };
}

/** A stored answer as selectAnswers returns it (the response JSON as text or parsed). */
export interface AnswerRecord {
  readonly id: string;
  readonly request_id: string;
  readonly response: unknown;
}

/** The response a stored answer holds. */
export function answerOf(record: AnswerRecord): AgentResponse {
  return parseSqlJson<AgentResponse>(record.response) as AgentResponse;
}

/** request_id is a binary string (the bytes of its UTF-8): it comes back as text. */
export function selectAnswers(requestIds: readonly string[]): SqlStatement {
  return {
    sql: `SELECT id, CONVERT(request_id USING utf8mb4) AS request_id, response FROM inferences WHERE request_id IN (${placeholders(requestIds.length)})`,
    values: requestIds,
  };
}

/** A claim is taken over (its lease ran out, or its delivery was given up) with a compare-and-set on the previous owner. */
export function takeOverClaim(claim: NewClaim, previousOwner: string): SqlStatement {
  return {
    sql: "UPDATE inference_claims SET owner = ?, lease_until = ?, source = ?, attempt = ? WHERE claim_key = UNHEX(?) AND owner = ?",
    values: [claim.owner, claim.leaseUntil, claim.source, claim.attempt, claim.claimKey, previousOwner],
  };
}

/** Gives a claim up, if it is still this owner's. */
export function deleteClaim(claimKey: string, owner: string): SqlStatement {
  return { sql: "DELETE FROM inference_claims WHERE claim_key = UNHEX(?) AND owner = ?", values: [claimKey, owner] };
}

/** Claims of answered requests: the stored answer guards them now. */
export function deleteClaims(claimKeys: readonly string[]): SqlStatement {
  return { sql: `DELETE FROM inference_claims WHERE claim_key IN (${keyPlaceholders(claimKeys.length)})`, values: claimKeys };
}

/** Claims whose lease ran out (their owner is gone, or never came back to delete them). */
export function deleteExpiredClaims(now: string): SqlStatement {
  return { sql: "DELETE FROM inference_claims WHERE lease_until < ?", values: [now] };
}
