import type { EndpointConfig } from "../config/config-schema.ts";
import { ModelbusError } from "../core/modelbus-error.ts";

/** The limits of one endpoint, as the config gives them (requests_per_minute, burst, tokens_per_minute, max_concurrent, max_queue). */
export interface ThrottleLimits {
  /** Token bucket: refills requestsPerMinute tokens per minute, continuously. 0/undefined = off. */
  requestsPerMinute?: number | undefined;
  /** Bucket capacity; defaults to requestsPerMinute. The bucket starts full. Ignored when the bucket is off. */
  burst?: number | undefined;
  /**
   * Token budget: each call is charged its estimated tokens before it runs and corrected
   * afterwards (EndpointThrottle.adjustTokens). Refills tokensPerMinute per minute,
   * continuously; the capacity is one minute's worth. 0/undefined = off.
   */
  tokensPerMinute?: number | undefined;
  /** Cap on requests in flight. 0/undefined = off. */
  maxConcurrent?: number | undefined;
  /** Most requests that may wait for a slot or a token; when full, schedule() rejects at once. */
  maxQueue: number;
}

export interface TokenBucket {
  /** Tokens added per minute. */
  readonly requestsPerMinute: number;
  /** Bucket capacity (whole tokens, at least 1). */
  readonly burst: number;
}

/** Limits checked and reduced to what the limiter needs; `undefined` means "off". */
export interface NormalizedLimits {
  readonly bucket: TokenBucket | undefined;
  readonly maxConcurrent: number | undefined;
  /** Tokens per minute of the token budget (also its capacity). */
  readonly tokensPerMinute: number | undefined;
  /** A whole number ≥ 0, or Infinity for an unbounded queue. */
  readonly maxQueue: number;
}

function invalid(endpointName: string, message: string): ModelbusError {
  return new ModelbusError({ code: "E_CONFIG_INVALID", message: `throttle for endpoint "${endpointName}": ${message}` });
}

/**
 * Checks the limits and fills in defaults. The config schema already validates them; this
 * guards direct callers, so a bad number fails at construction instead of hanging a queue.
 */
export function normalizeLimits(endpointName: string, limits: ThrottleLimits): NormalizedLimits {
  const { requestsPerMinute: rpm, burst, tokensPerMinute: tpm, maxConcurrent, maxQueue } = limits;

  let bucket: TokenBucket | undefined;
  if (rpm !== undefined && rpm !== 0) {
    if (!Number.isFinite(rpm) || rpm < 0) throw invalid(endpointName, `requests_per_minute must be a number ≥ 0, got ${rpm}`);
    if (burst !== undefined && (!Number.isFinite(burst) || burst < 1)) {
      throw invalid(endpointName, `burst must be a number ≥ 1, got ${burst}`);
    }
    bucket = { requestsPerMinute: rpm, burst: Math.max(1, Math.floor(burst ?? rpm)) };
  }

  let concurrency: number | undefined;
  if (maxConcurrent !== undefined && maxConcurrent !== 0) {
    if (!Number.isInteger(maxConcurrent) || maxConcurrent < 0) {
      throw invalid(endpointName, `max_concurrent must be a whole number ≥ 0, got ${maxConcurrent}`);
    }
    concurrency = maxConcurrent;
  }

  let tokensPerMinute: number | undefined;
  if (tpm !== undefined && tpm !== 0) {
    if (!Number.isFinite(tpm) || tpm < 0) throw invalid(endpointName, `tokens_per_minute must be a number ≥ 0, got ${tpm}`);
    tokensPerMinute = tpm;
  }

  if (!(Number.isInteger(maxQueue) && maxQueue >= 0) && maxQueue !== Number.POSITIVE_INFINITY) {
    throw invalid(endpointName, `max_queue must be a whole number ≥ 0, got ${maxQueue}`);
  }
  // With a token budget every request passes through a waiting line first (see
  // EndpointThrottle), so max_queue counts every request not yet started; 0 would refuse all.
  if (tokensPerMinute !== undefined && maxQueue === 0) {
    throw invalid(endpointName, "max_queue must be ≥ 1 when tokens_per_minute is set");
  }

  return { bucket, maxConcurrent: concurrency, tokensPerMinute, maxQueue };
}

/** True when the request limiter has nothing to enforce: no bucket and no concurrency cap. */
export function needsRequestLimiter(limits: NormalizedLimits): boolean {
  return limits.bucket !== undefined || limits.maxConcurrent !== undefined;
}

/** True when nothing applies (no bucket, no concurrency cap, no token budget): requests go straight through. */
export function isUnlimited(limits: NormalizedLimits): boolean {
  return !needsRequestLimiter(limits) && limits.tokensPerMinute === undefined;
}

/** One limiter per endpoint name: every alias and capability that reaches it shares it. */
export function throttleLimitsFromConfig(endpoints: Readonly<Record<string, EndpointConfig>>): Map<string, ThrottleLimits> {
  return new Map(
    Object.entries(endpoints).map(([name, endpoint]) => [
      name,
      {
        requestsPerMinute: endpoint.requests_per_minute,
        burst: endpoint.burst,
        tokensPerMinute: endpoint.tokens_per_minute,
        maxConcurrent: endpoint.max_concurrent,
        maxQueue: endpoint.max_queue,
      },
    ]),
  );
}
