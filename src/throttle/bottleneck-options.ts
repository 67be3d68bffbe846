import Bottleneck from "bottleneck";
import { normalizeLimits, type ThrottleLimits } from "./throttle-limits.ts";

/**
 * The one place the Bottleneck options of an endpoint's limiter are built.
 *
 * Today every limiter uses Bottleneck's in-process ("local") datastore. The token bucket
 * starts full (`reservoir` = burst) and is refilled by `TokenRefill` (token-refill.ts), not
 * by Bottleneck: the local datastore adds `reservoirIncreaseAmount` at most once per
 * `heartbeatInterval` tick (250 ms by default) and restarts its interval from the tick's
 * `Date.now()`, so its refill rate is always below the configured one (600 rpm becomes
 * ~240 rpm with the defaults, and never quite 600 rpm with any choice of amount, interval
 * and heartbeat — see the report in token-refill.ts).
 *
 * Redis clustering seam: to share one limiter across modelbus instances, add here
 *   datastore: "ioredis", clientOptions / connection, clearDatastore: false,
 * (the `id` below already names the shared Redis keys) and the bucket's refill as
 *   reservoirIncreaseAmount: 1,
 *   reservoirIncreaseInterval: 60_000 / requestsPerMinute,
 *   reservoirIncreaseMaximum: burst,
 *   heartbeatInterval: <well under burst * 60_000 / requestsPerMinute>,
 * Bottleneck's Redis script (process_tick.lua) catches up every whole interval that has
 * passed and advances its clock by whole intervals, so it refills at the exact rate, and it
 * runs in Redis, once for the cluster. `EndpointThrottle` starts its own `TokenRefill` only
 * when these options have a `reservoir` and no `reservoirIncreaseInterval`, so adding the
 * lines above switches the local refill off by itself.
 */
export function bottleneckOptions(endpointName: string, limits: ThrottleLimits): Bottleneck.ConstructorOptions {
  const { bucket, maxConcurrent, maxQueue } = normalizeLimits(endpointName, limits);
  return {
    id: `modelbus-throttle:${endpointName}`,
    maxConcurrent: maxConcurrent ?? null,
    // Bottleneck drops a new job when `queued === highWater` and the job cannot start at once.
    highWater: Number.isFinite(maxQueue) ? maxQueue : null,
    strategy: Bottleneck.strategy.OVERFLOW,
    reservoir: bucket?.burst ?? null,
    rejectOnDrop: true,
    trackDoneStatus: false,
  };
}
