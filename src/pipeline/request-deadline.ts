import { parseDuration } from "../config/parse-duration.ts";
import type { AgentRequest } from "../core/agent-request.ts";
import { ModelbusError } from "../core/modelbus-error.ts";
import { onAbort } from "../core/on-abort.ts";
import type { ModelRegistry } from "../registry/model-registry.ts";
import type { ChainLink } from "./endpoint-chain.ts";

/**
 * The one owner of a request's time (docs/configuration.md, "Timeouts"). A request has one deadline, set when
 * its endpoint chain is known, covering every throttle wait, attempt, backoff and fallback
 * endpoint. Its timeout is the first set of: the request's `timeout` → the endpoint's
 * `request_timeout`, when the model named an endpoint (or an alias of one, or fell to the
 * default) → the capability's `timeout`, when it named a capability → `service.timeout`.
 * Inside that deadline, every endpoint's own `request_timeout` caps each attempt on it, so a
 * slow endpoint of a capability chain leaves time for the next. The claim lease is derived
 * from the same rule (`leaseTimeoutMs`).
 */
export interface RequestTimeout {
  readonly timeoutMs: number;
  readonly source: "request" | "endpoint" | "capability" | "service";
  /** Set when the request carried a timeout that does not parse (it falls through). */
  readonly ignoredRequestTimeout?: string;
}

function fromRequest(request: AgentRequest): number | undefined {
  return request.timeout === undefined ? undefined : parseDuration(request.timeout) || undefined;
}

/** The request's timeout, for the chain it will walk. */
export function requestTimeout(request: AgentRequest, first: ChainLink, registry: ModelRegistry, serviceTimeoutMs: number): RequestTimeout {
  const own = fromRequest(request);
  if (own) return { timeoutMs: own, source: "request" };
  const ignored = request.timeout !== undefined ? { ignoredRequestTimeout: request.timeout } : {};
  const endpoint = first.route.source === "capability" ? undefined : registry.endpoint(first.endpointName)?.request_timeout;
  if (endpoint) return { timeoutMs: endpoint, source: "endpoint", ...ignored };
  const capability = first.route.capability?.timeout;
  if (capability) return { timeoutMs: capability, source: "capability", ...ignored };
  return { timeoutMs: serviceTimeoutMs, source: "service", ...ignored };
}

/**
 * How long a request may run, known before its model is: the claim is written before the
 * agent and session that may choose the model are read. The request's own timeout is exact;
 * without one, the longest the registry could give it (every endpoint's and capability's
 * timeout, and the service's). The lease is this plus `store.lease_margin`, so no replica
 * can take over a request whose deadline has not passed.
 */
export function leaseTimeoutMs(request: AgentRequest, registry: ModelRegistry, serviceTimeoutMs: number): number {
  return fromRequest(request) ?? Math.max(serviceTimeoutMs, registry.longestTimeoutMs());
}

/** One attempt's time: what is left of the deadline, capped by the endpoint's `request_timeout`. */
export function attemptTimeoutMs(deadlineMs: number, now: number, endpointTimeoutMs: number | undefined): number {
  const left = deadlineMs - now;
  return endpointTimeoutMs ? Math.min(left, endpointTimeoutMs) : left;
}

/**
 * Runs fn under the deadline. The signal fn receives aborts with an E_PROVIDER_TIMEOUT error
 * when time is up, or with the parent's reason (shutdown) when the parent aborts first.
 */
export async function withDeadline<T>(
  parent: AbortSignal,
  timeout: RequestTimeout,
  now: () => number,
  fn: (signal: AbortSignal, deadlineMs: number) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  const forgetParent = onAbort(parent, () => controller.abort(parent.reason));
  const timer = setTimeout(() => {
    controller.abort(
      new ModelbusError({
        code: "E_PROVIDER_TIMEOUT",
        message: `request timed out after ${timeout.timeoutMs}ms (timeout from ${timeout.source})`,
      }),
    );
  }, timeout.timeoutMs);
  try {
    return await fn(controller.signal, now() + timeout.timeoutMs);
  } finally {
    clearTimeout(timer);
    forgetParent();
  }
}
