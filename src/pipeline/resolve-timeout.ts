import { parseDuration } from "../config/parse-duration.ts";

export interface TimeoutSources {
  readonly requestTimeout?: string | undefined;
  readonly endpointTimeoutMs?: number | undefined;
  readonly capabilityTimeoutMs?: number | undefined;
  readonly serviceTimeoutMs: number;
}

export interface ResolvedTimeout {
  readonly timeoutMs: number;
  readonly source: "request" | "endpoint" | "capability" | "service";
  /** Set when the request carried a timeout we could not parse (it falls through). */
  readonly ignoredRequestTimeout?: string;
}

/** First usable of: request `timeout` → endpoint `request_timeout` → capability → service. */
export function resolveTimeout(sources: TimeoutSources): ResolvedTimeout {
  const fromRequest = sources.requestTimeout === undefined ? undefined : parseDuration(sources.requestTimeout);
  const ignored = sources.requestTimeout !== undefined && !fromRequest ? { ignoredRequestTimeout: sources.requestTimeout } : {};
  if (fromRequest) return { timeoutMs: fromRequest, source: "request" };
  if (sources.endpointTimeoutMs) return { timeoutMs: sources.endpointTimeoutMs, source: "endpoint", ...ignored };
  if (sources.capabilityTimeoutMs) return { timeoutMs: sources.capabilityTimeoutMs, source: "capability", ...ignored };
  return { timeoutMs: sources.serviceTimeoutMs, source: "service", ...ignored };
}
