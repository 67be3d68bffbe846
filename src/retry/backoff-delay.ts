import type { RetryReason } from "../core/modelbus-error.ts";
import type { RetryPolicy } from "./retry-policy.ts";

export interface BackoffDelayOptions {
  readonly reason: RetryReason;
  /** 1 for the first retry on that reason's curve; each curve counts on its own. */
  readonly retryNumber: number;
  readonly policy: RetryPolicy;
  /** 0..1 (clamped). */
  readonly random: number;
  /** Provider-requested wait (Retry-After); a floor for the result. */
  readonly retryAfterMs?: number | undefined;
}

/**
 * Milliseconds to wait before a retry.
 *
 *   curve   = min(start * 2^(retryNumber - 1), maxDelayMs)
 *             start = initialDelayMs (transient) or rateLimitDelayMs (rate_limit)
 *   jittered = round(curve * (1 + random * jitter))
 *   result  = max(jittered, ceil(retryAfterMs))
 *
 * The cap applies BEFORE jitter, on purpose: capping after jitter would make every client
 * that reached the cap wait exactly maxDelayMs and retry in lockstep. So a capped delay may
 * exceed maxDelayMs by at most the jitter fraction (60 s → at most 75 s with jitter 0.25).
 *
 * Retry-After is a floor: the result is never shorter than what the provider asked for, it
 * is not capped by maxDelayMs (the caller's deadline bounds it), and jitter only ever adds.
 * When Retry-After wins, it is used as is (no jitter on top).
 */
export function backoffDelay(options: BackoffDelayOptions): number {
  const { policy } = options;
  const start = options.reason === "rate_limit" ? policy.rateLimitDelayMs : policy.initialDelayMs;
  const retryNumber = Number.isFinite(options.retryNumber) ? Math.max(1, Math.floor(options.retryNumber)) : 1;
  // 2^1000 is still finite, so `0 * growth` stays 0 instead of NaN.
  const growth = 2 ** Math.min(retryNumber - 1, 1000);
  const curve = Math.max(0, Math.min(start * growth, policy.maxDelayMs));
  const jitter = clamp01(policy.jitter);
  const random = clamp01(options.random);
  const jittered = Math.round(curve * (1 + random * jitter));

  const retryAfterMs = options.retryAfterMs;
  if (retryAfterMs !== undefined && Number.isFinite(retryAfterMs) && retryAfterMs > jittered) {
    return Math.ceil(retryAfterMs);
  }
  return jittered;
}

function clamp01(value: number): number {
  if (!Number.isFinite(value)) return 0;
  return Math.min(1, Math.max(0, value));
}
