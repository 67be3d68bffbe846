/**
 * Where an endpoint's limits live: in this process, or in Redis, shared by every replica. One
 * place picks, for an endpoint's limits, the request gate (LocalRequestLimiter or
 * ClusterRequestLimiter, on Bottleneck) and the token budget's store (LocalTokenStore or
 * RedisTokenStore); EndpointThrottle only sees the RequestGate and TokenBudget they give.
 */
import { createHash, randomUUID } from "node:crypto";
import { ClusterRequestLimiter } from "./cluster-request-limiter.ts";
import { LocalRequestLimiter } from "./local-request-limiter.ts";
import type { RedisThrottleConnection } from "./redis-throttle-connection.ts";
import { gateQueueBound, type RequestGate } from "./request-gate.ts";
import { throttleErrors } from "./throttle-errors.ts";
import type { NormalizedLimits, ThrottleLimits } from "./throttle-limits.ts";
import type { ThrottleTimers } from "./throttle-timers.ts";
import { TokenBudget } from "./token-budget.ts";
import { LocalTokenStore, RedisTokenStore } from "./token-stores.ts";

/** Sharing the endpoint's limits with every replica through Redis. */
export interface EndpointThrottleCluster {
  readonly connection: RedisThrottleConnection;
  /** Keys and limiter ids are `<keyPrefix>:<endpoint>…`; the same on every replica. */
  readonly keyPrefix: string;
  /** A replica not heard from for this long is dead and its slots are freed (see SlotReaper). */
  readonly clientTimeoutMs: number;
}

export interface ThrottleBackendOptions {
  readonly endpointName: string;
  /** The limits as configured (part of a cluster limiter's id). */
  readonly limits: ThrottleLimits;
  readonly normalized: NormalizedLimits;
  readonly cluster: EndpointThrottleCluster | undefined;
  readonly now: () => number;
  readonly timers: ThrottleTimers | undefined;
  readonly onError: ((error: unknown) => void) | undefined;
}

/** The concurrency cap and request bucket, with their queue: in this process, or in Redis. */
export function requestGateFor(options: ThrottleBackendOptions): RequestGate {
  const { endpointName, limits, normalized, cluster } = options;
  if (cluster === undefined) {
    return new LocalRequestLimiter(
      { bucket: normalized.bucket, maxConcurrent: normalized.maxConcurrent, maxQueue: gateQueueBound(normalized) },
      { now: options.now, timers: options.timers },
    );
  }
  // The limits are part of the limiter's id: after a reload that changed them, the old and the
  // new limiter of an endpoint never share Bottleneck's pub/sub channel (one limiter per id).
  const id = `${cluster.keyPrefix}:${endpointName}:${createHash("sha256").update(JSON.stringify(limits)).digest("hex").slice(0, 8)}`;
  return new ClusterRequestLimiter(endpointName, limits, normalized, {
    cluster: { connection: cluster.connection, id, clientTimeoutMs: cluster.clientTimeoutMs },
    onError: options.onError,
  });
}

/**
 * The token budget: in this process, or in Redis next to the limiter's keys. A replica
 * waiting in Redis asks again at least every 250 ms (another may have refunded) and keeps
 * its claim on the next tokens for 2 s after its last ask.
 */
export function tokenBudgetFor(tokensPerMinute: number, options: ThrottleBackendOptions): TokenBudget {
  const { cluster, endpointName } = options;
  const store =
    cluster === undefined
      ? new LocalTokenStore(tokensPerMinute, options.now)
      : new RedisTokenStore({
          client: cluster.connection.client,
          key: `${cluster.keyPrefix}:${endpointName}:tokens`,
          tokensPerMinute,
          holderId: randomUUID(),
          holdMs: 2_000,
        });
  return new TokenBudget(store, {
    maxPollMs: cluster === undefined ? 1_000 : 250,
    unavailable: (cause) => throttleErrors.unavailable(endpointName, cause),
    onError: options.onError,
    timers: options.timers,
  });
}
