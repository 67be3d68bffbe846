import type { RetryConfig } from "../config/config-schema.ts";

/** How provider failures are retried. Two separate curves: transient (5xx, network) and rate_limit (429). */
export interface RetryPolicy {
  /** Total attempts for transient failures (so at most maxAttempts - 1 transient retries); ≥ 1. */
  readonly maxAttempts: number;
  /** First transient retry waits this long; doubles per transient retry. */
  readonly initialDelayMs: number;
  /** Cap of both curves, before jitter (see backoffDelay). */
  readonly maxDelayMs: number;
  /** First 429 retry waits this long; doubles per 429 retry. */
  readonly rateLimitDelayMs: number;
  /** 429 retries allowed, on top of the transient ones; ≥ 0. */
  readonly maxRateLimitRetries: number;
  /** 0..1: fraction added on top of the curve delay, `delay * (1 + random * jitter)`. */
  readonly jitter: number;
}

export const defaultRetryPolicy: RetryPolicy = Object.freeze({
  maxAttempts: 3,
  initialDelayMs: 1_000,
  maxDelayMs: 60_000,
  rateLimitDelayMs: 5_000,
  maxRateLimitRetries: 5,
  jitter: 0.25,
});

export function retryPolicyFromConfig(config: RetryConfig): RetryPolicy {
  return {
    maxAttempts: config.max_attempts,
    initialDelayMs: config.initial_delay,
    maxDelayMs: config.max_delay,
    rateLimitDelayMs: config.rate_limit_delay,
    maxRateLimitRetries: config.max_rate_limit_retries,
    jitter: config.jitter,
  };
}
