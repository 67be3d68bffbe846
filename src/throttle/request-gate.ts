import type { NormalizedLimits } from "./throttle-limits.ts";

/**
 * What EndpointThrottle needs from the limiter of an endpoint's concurrency cap and request
 * bucket: in this process (LocalRequestLimiter) or shared by the fleet through Redis
 * (ClusterRequestLimiter, on Bottleneck).
 */
export interface RequestGate {
  /**
   * Runs job once it holds a slot and a request token, in arrival order; the slot is freed when
   * job settles, whatever it does, before the returned promise settles with job's outcome.
   * Rejects without running job when the gate refuses it: GateQueueFullError when its queue is
   * full, any other error when it is stopped, its queue was dropped, the signal aborted while
   * the job waited (a gate that can, takes the job out of its queue then), or Redis failed.
   */
  schedule(job: () => Promise<void>, signal?: AbortSignal): Promise<void>;
  /** Resolves once the gate's shared state exists (at once when local). */
  ready(): Promise<void>;
  /** Fails every waiting job with `message` (their callers were already answered); the gate carries on. */
  dropQueued(message: string): void;
  /** Refuses new jobs and fails the waiting ones with `message`; resolves when every started job has settled and freed its slot. */
  stop(message: string): Promise<void>;
  /** A pass of the dead-replica slot reaper (tests); 0 when there is none. */
  reapSlots(): Promise<number>;
  /** Jobs running under the gate: in this process, or across the fleet when the gate lives in Redis. */
  runningCount(): Promise<number>;
  /** The share of the request bucket (requests_per_minute / burst) left, 0–1; undefined without one. */
  requestShare(): Promise<number | undefined>;
}

/** The gate refused a job that could not start at once because its queue already held its bound. */
export class GateQueueFullError extends Error {
  constructor(bound: number, options?: ErrorOptions) {
    super(`request queue full (${bound} waiting)`, options);
    this.name = "GateQueueFullError";
  }
}

/**
 * How many jobs may wait in the gate's own queue. Without a token budget that is max_queue;
 * with one, EndpointThrottle bounds both waiting stages (budget, then gate) together itself,
 * so the gate's queue is unbounded.
 */
export function gateQueueBound(limits: NormalizedLimits): number {
  return limits.tokensPerMinute === undefined ? limits.maxQueue : Number.POSITIVE_INFINITY;
}
