import { describe, expect, it } from "vitest";
import { backoffDelay } from "../../src/retry/backoff-delay.ts";
import { defaultRetryPolicy, type RetryPolicy } from "../../src/retry/retry-policy.ts";

const policy = defaultRetryPolicy;

function delays(reason: "transient" | "rate_limit", count: number, random: number, p: RetryPolicy = policy): number[] {
  return Array.from({ length: count }, (_, index) => backoffDelay({ reason, retryNumber: index + 1, policy: p, random }));
}

describe("defaultRetryPolicy", () => {
  it("has the documented defaults", () => {
    expect(defaultRetryPolicy).toEqual({
      maxAttempts: 3,
      initialDelayMs: 1000,
      maxDelayMs: 60000,
      rateLimitDelayMs: 5000,
      maxRateLimitRetries: 5,
      jitter: 0.25,
    });
  });
});

describe("backoffDelay", () => {
  it("doubles the transient curve from initialDelayMs", () => {
    expect(delays("transient", 5, 0)).toEqual([1000, 2000, 4000, 8000, 16000]);
  });

  it("doubles the rate_limit curve from rateLimitDelayMs and caps it at maxDelayMs", () => {
    expect(delays("rate_limit", 6, 0)).toEqual([5000, 10000, 20000, 40000, 60000, 60000]);
  });

  it("adds jitter on top: delay * (1 + random * jitter)", () => {
    expect(delays("transient", 3, 1)).toEqual([1250, 2500, 5000]);
    expect(delays("transient", 2, 0.5)).toEqual([1125, 2250]);
    expect(delays("rate_limit", 2, 1)).toEqual([6250, 12500]);
  });

  it("caps before jitter, so a capped delay exceeds maxDelayMs by at most the jitter fraction", () => {
    expect(backoffDelay({ reason: "transient", retryNumber: 10, policy, random: 0 })).toBe(60000);
    expect(backoffDelay({ reason: "transient", retryNumber: 10, policy, random: 1 })).toBe(75000);
    expect(backoffDelay({ reason: "rate_limit", retryNumber: 5000, policy, random: 1 })).toBe(75000);
  });

  it("uses no jitter when policy.jitter is 0, and clamps random to 0..1", () => {
    const noJitter = { ...policy, jitter: 0 };
    expect(delays("transient", 2, 1, noJitter)).toEqual([1000, 2000]);
    expect(backoffDelay({ reason: "transient", retryNumber: 1, policy, random: 7 })).toBe(1250);
    expect(backoffDelay({ reason: "transient", retryNumber: 1, policy, random: -3 })).toBe(1000);
  });

  it("treats a retryNumber below 1 as the first retry", () => {
    expect(backoffDelay({ reason: "transient", retryNumber: 0, policy, random: 0 })).toBe(1000);
  });

  it("lets Retry-After win when it is longer than the curve's delay, not capped by maxDelayMs", () => {
    expect(backoffDelay({ reason: "rate_limit", retryNumber: 1, policy, random: 0, retryAfterMs: 30000 })).toBe(30000);
    expect(backoffDelay({ reason: "transient", retryNumber: 1, policy, random: 0, retryAfterMs: 120000 })).toBe(120000);
  });

  it("keeps the curve when Retry-After is shorter", () => {
    expect(backoffDelay({ reason: "rate_limit", retryNumber: 1, policy, random: 0, retryAfterMs: 1000 })).toBe(5000);
    expect(backoffDelay({ reason: "transient", retryNumber: 2, policy, random: 0, retryAfterMs: 0 })).toBe(2000);
  });

  it("never waits less than Retry-After, whatever the jitter", () => {
    // jittered curve 1250 > 1200: the curve wins and is still ≥ Retry-After.
    expect(backoffDelay({ reason: "transient", retryNumber: 1, policy, random: 1, retryAfterMs: 1200 })).toBe(1250);
    // Retry-After 1300 > jittered 1250: Retry-After wins, used as is.
    expect(backoffDelay({ reason: "transient", retryNumber: 1, policy, random: 1, retryAfterMs: 1300 })).toBe(1300);
    // A fractional Retry-After rounds up, never down.
    expect(backoffDelay({ reason: "transient", retryNumber: 1, policy, random: 0, retryAfterMs: 1500.2 })).toBe(1501);
  });
});
