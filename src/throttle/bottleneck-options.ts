import Bottleneck from "bottleneck";
import { gateQueueBound } from "./request-gate.ts";
import { normalizeLimits, type ThrottleLimits, type TokenBucket } from "./throttle-limits.ts";

/** Where a clustered limiter keeps its state: Redis, shared by every replica. */
export interface ClusterSettings {
  /** The registry's one connection, shared by every endpoint's limiter. */
  readonly connection: Bottleneck.IORedisConnection;
  /** Names the shared Redis keys (`b_<id>_*`): the same on every replica, e.g. `modelbus:<endpoint>`. */
  readonly id: string;
  /** A replica not heard from for this long counts as dead (see SlotReaper). */
  readonly clientTimeoutMs: number;
}

/** Bottleneck's Redis store options that its type definitions leave out. */
export type BottleneckSettings = Bottleneck.ConstructorOptions & {
  readonly heartbeatInterval?: number;
  readonly clientTimeout?: number;
};

/**
 * The one place the Bottleneck options of an endpoint's clustered limiter are built.
 * Bottleneck serves only the fleet-wide (Redis) case; in-process limits are
 * LocalRequestLimiter's (local-request-limiter.ts), which refills its own bucket.
 *
 * Every replica's limiter for the endpoint uses the same `id`, so they share one bucket and
 * one concurrency count. The bucket starts full (`reservoir` = burst) and Bottleneck refills
 * it: process_tick.lua adds every whole interval that has passed and advances its clock by
 * whole intervals (never to "now"), so nothing is lost to a late heartbeat, and it runs
 * atomically in Redis, once for the fleet. Tokens earned while the bucket is full are
 * dropped (the bucket's cap), so the heartbeat that notices them is kept well under
 * `burst` tokens' time. `clearDatastore: false` keeps the fleet's state when a replica starts.
 */
export function bottleneckOptions(endpointName: string, limits: ThrottleLimits, cluster: ClusterSettings): BottleneckSettings {
  const normalized = normalizeLimits(endpointName, limits);
  const { bucket, maxConcurrent } = normalized;
  const queueBound = gateQueueBound(normalized);
  return {
    maxConcurrent: maxConcurrent ?? null,
    // Bottleneck drops a new job when `queued === highWater` and the job cannot start at once.
    highWater: Number.isFinite(queueBound) ? queueBound : null,
    strategy: Bottleneck.strategy.OVERFLOW,
    reservoir: bucket?.burst ?? null,
    rejectOnDrop: true,
    trackDoneStatus: false,
    ...clusterRefill(bucket),
    id: cluster.id,
    datastore: "ioredis",
    connection: cluster.connection,
    clearDatastore: false,
    clientTimeout: cluster.clientTimeoutMs,
    heartbeatInterval: clusterHeartbeatMs(bucket, cluster.clientTimeoutMs),
  };
}

/** The settings a starting replica writes over the shared ones (not the bucket level: a restart must not refill it). */
export function clusterSettingsUpdate(settings: BottleneckSettings): Bottleneck.ConstructorOptions {
  const { maxConcurrent, highWater, strategy, reservoir, reservoirIncreaseAmount, reservoirIncreaseInterval, reservoirIncreaseMaximum } = settings;
  return {
    maxConcurrent: maxConcurrent ?? null,
    highWater: highWater ?? null,
    strategy: strategy ?? null,
    reservoirIncreaseAmount: reservoirIncreaseAmount ?? null,
    reservoirIncreaseInterval: reservoirIncreaseInterval ?? null,
    reservoirIncreaseMaximum: reservoirIncreaseMaximum ?? null,
    // Switching the bucket off must clear the shared level; switching it on keeps the level.
    ...(reservoir === null ? { reservoir: null } : {}),
  };
}

function clusterRefill(bucket: TokenBucket | undefined): Partial<BottleneckSettings> {
  if (bucket === undefined) return { reservoirIncreaseAmount: null, reservoirIncreaseInterval: null, reservoirIncreaseMaximum: null };
  return {
    reservoirIncreaseAmount: 1,
    reservoirIncreaseInterval: 60_000 / bucket.requestsPerMinute,
    reservoirIncreaseMaximum: bucket.burst,
  };
}

/**
 * How often each replica runs Bottleneck's heartbeat script: it proves the replica alive
 * (well inside clientTimeout), applies the refill and wakes waiting jobs. With a bucket it
 * runs at least once per token and at least twice per `burst` tokens, so waiting jobs see
 * each token promptly and a late tick does not overflow the cap; never more than every 10 ms.
 */
export function clusterHeartbeatMs(bucket: TokenBucket | undefined, clientTimeoutMs: number): number {
  const liveness = Math.min(1_000, clientTimeoutMs / 4);
  if (bucket === undefined) return Math.max(10, liveness);
  const msPerToken = 60_000 / bucket.requestsPerMinute;
  return Math.max(10, Math.min(liveness, msPerToken, (bucket.burst * msPerToken) / 2));
}
