import type { EndpointConfig } from "../config/config-schema.ts";
import type { ThrottleLimits } from "./throttle-limits.ts";

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
