import type { RetryConfig } from "../config/config-schema.ts";
import type { RetryPolicy } from "./retry-policy.ts";

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
