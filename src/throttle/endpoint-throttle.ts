import { ModelbusError, toModelbusError } from "../core/modelbus-error.ts";
import { InFlightCount } from "./in-flight-count.ts";
import { GateQueueFullError, type RequestGate } from "./request-gate.ts";
import { requestGateFor, tokenBudgetFor, type EndpointThrottleCluster } from "./throttle-backends.ts";
import { isUnlimited, needsRequestLimiter, normalizeLimits, type NormalizedLimits, type ThrottleLimits } from "./throttle-limits.ts";
import { THROTTLE_UNAVAILABLE, throttleErrors } from "./throttle-errors.ts";
import type { ThrottleTimers } from "./throttle-timers.ts";
import type { TokenBudget, TokenTicket } from "./token-budget.ts";

export type { ThrottleLimits } from "./throttle-limits.ts";

export interface EndpointThrottleOptions {
  /** Called once per job whose fn starts, with how long it waited for a slot and tokens. Throttled endpoints only. */
  readonly onWait?: ((waitedMs: number) => void) | undefined;
  /** Monotonic clock for the wait accounting and the in-process limits (request bucket, token budget), in milliseconds; default performance.now. */
  readonly now?: (() => number) | undefined;
  /** Timers of the in-process waits (request bucket, token budget); default Node's. */
  readonly timers?: ThrottleTimers | undefined;
  /** Enforce the limits across replicas (Redis); without it they are per process. */
  readonly cluster?: EndpointThrottleCluster | undefined;
  /** Background failures (Redis heartbeats, frees, token adjustments); for logging. */
  readonly onError?: ((error: unknown) => void) | undefined;
}

export interface ScheduleOptions {
  /** Aborting while the job waits rejects it at once; fn then never runs. */
  readonly signal?: AbortSignal | undefined;
  /** Estimated tokens of the call, charged to the token budget before fn runs (default 0). */
  readonly tokens?: number | undefined;
}

export interface ThrottleStats {
  /** Jobs waiting for tokens, a slot or a request token (aborted ones not counted; see schedule()). */
  readonly queued: number;
  /** fn calls in flight. */
  readonly running: number;
  /** fn calls started since construction. */
  readonly started: number;
  /** Sum of the waits of the started jobs, in milliseconds (0 on the unlimited path). */
  readonly waitedMsTotal: number;
  /** Jobs refused with E_THROTTLE_QUEUE_FULL. */
  readonly rejectedQueueFull: number;
  /** Jobs refused with E_THROTTLE_UNAVAILABLE (Redis down, slow or not yet connected). */
  readonly rejectedUnavailable: number;
}

/** A job that has not started yet; fail() answers its caller and takes it out of every line. */
interface Pending {
  fail(error: ModelbusError): void;
}

/** One schedule() call on a limited endpoint, from arrival until fn starts or the call is refused. */
interface Call<T> extends Pending {
  readonly fn: () => Promise<T>;
  /** The estimate as given (the charge may be clamped to the capacity). */
  readonly tokens: number;
  readonly signal: AbortSignal | undefined;
  readonly resolve: (value: T) => void;
  readonly reject: (error: unknown) => void;
  readonly queuedAt: number;
  readonly onAbort: () => void;
  state: "waiting" | "started" | "gone";
  ticket: TokenTicket | undefined;
  /** Tokens taken from the budget; given back if fn never runs. */
  charged: number;
}

/**
 * One limiter per endpoint, shared by every request and alias that reaches it: a token
 * budget (tokens per minute), then a concurrency cap and a request bucket (requests per
 * minute with a burst), with a bounded queue. Per process, or across every replica when
 * `cluster` is given (throttle-backends.ts picks). Without limits, schedule() calls fn directly.
 */
export class EndpointThrottle {
  readonly endpointName: string;
  readonly limits: NormalizedLimits;
  private readonly requests: RequestGate | undefined;
  private readonly budget: TokenBudget | undefined;
  private readonly cluster: EndpointThrottleCluster | undefined;
  private readonly onWait: ((waitedMs: number) => void) | undefined;
  private readonly now: () => number;
  private readonly pending = new Set<Pending>();
  private readonly stopWatchingRedis: (() => void) | undefined;
  private waiting = 0;
  private readonly running = new InFlightCount();
  private started = 0;
  private waitedMsTotal = 0;
  private rejectedQueueFull = 0;
  private rejectedUnavailable = 0;
  private stopped = false;
  private stopping: Promise<void> | undefined;

  constructor(endpointName: string, limits: ThrottleLimits, options: EndpointThrottleOptions = {}) {
    this.endpointName = endpointName;
    this.limits = normalizeLimits(endpointName, limits);
    this.onWait = options.onWait;
    this.now = options.now ?? (() => performance.now());
    if (isUnlimited(this.limits)) return;

    const cluster = options.cluster;
    this.cluster = cluster;
    const backend = { endpointName, limits, normalized: this.limits, cluster, now: this.now, timers: options.timers, onError: options.onError };
    if (needsRequestLimiter(this.limits)) this.requests = requestGateFor(backend);
    if (this.limits.tokensPerMinute !== undefined) this.budget = tokenBudgetFor(this.limits.tokensPerMinute, backend);
    this.stopWatchingRedis = cluster?.connection.onHealthChange((healthy) => {
      if (!healthy) this.redisLost();
    });
  }

  /**
   * Runs fn when the token budget holds `tokens` (clamped to tokens_per_minute; the rest is
   * charged as debt once fn starts), a slot is free and the request bucket has a token. The
   * slot is released in finally, whatever fn does. Rejects with E_THROTTLE_QUEUE_FULL when
   * max_queue jobs already wait, with E_THROTTLE_UNAVAILABLE at once when the limits live in
   * Redis and Redis is not answering (also for jobs already waiting when it goes), and with
   * E_CANCELLED after stop().
   *
   * Abort: if `signal` is already aborted, rejects before queueing. If it aborts while the job
   * waits, rejects at once with the signal's reason when that is a ModelbusError, otherwise
   * with E_CANCELLED; tokens already charged are refunded, and the job leaves the queue at
   * once (it no longer counts toward max_queue nor holds back the jobs behind it). Except in a
   * cluster: Bottleneck cannot take a job out of its queue, so there an aborted job keeps its
   * place (and, without a token budget, still counts toward max_queue) until it reaches the
   * front, where it takes a request token and a slot for an instant and returns without
   * calling fn. Once fn has started, aborting is fn's business (pass it the same signal).
   */
  schedule<T>(fn: () => Promise<T>, options?: ScheduleOptions): Promise<T> {
    const signal = options?.signal;
    const tokens = options?.tokens ?? 0;
    if (this.stopped) return Promise.reject(throttleErrors.stopped(this.endpointName));
    if (signal?.aborted) return Promise.reject(throttleErrors.aborted(this.endpointName, signal.reason));
    if (!(Number.isFinite(tokens) && tokens >= 0)) {
      return Promise.reject(throttleErrors.invalidTokens(tokens));
    }
    if (this.requests === undefined && this.budget === undefined) return this.runDirect(fn);
    if (this.cluster !== undefined && !this.cluster.connection.healthy()) {
      this.rejectedUnavailable++;
      return Promise.reject(throttleErrors.unavailable(this.endpointName));
    }
    // With a token budget, max_queue bounds both waiting stages together (the gate's queue is unbounded; see gateQueueBound).
    if (this.budget !== undefined && this.waiting >= this.limits.maxQueue) {
      this.rejectedQueueFull++;
      return Promise.reject(throttleErrors.queueFull(this.endpointName, this.limits.maxQueue));
    }
    return this.runLimited(fn, signal, tokens);
  }

  /**
   * Corrects the token budget once the real usage is known: positive = the call used more
   * than its estimate (charged now, as debt if need be), negative = refund (never above the
   * capacity). No-op without a token budget. Never rejects; a Redis failure is reported to onError.
   */
  adjustTokens(delta: number): Promise<void> {
    return this.budget?.adjust(delta) ?? Promise.resolve();
  }

  /** Resolves once the endpoint's shared Redis state is set up (at once when per process). May wait for Redis: bound it (the registry's ready() does). */
  async ready(): Promise<void> {
    await this.requests?.ready();
  }

  /** False while the limits live in Redis and Redis is not answering (schedule() then fails fast). */
  healthy(): boolean {
    return this.cluster === undefined || isUnlimited(this.limits) || this.cluster.connection.healthy();
  }

  /**
   * How busy the endpoint is, for a deployment group's strategy: calls running (fleet-wide when
   * the limits live in Redis; this process's count when Redis does not answer), calls waiting
   * here, and its concurrency cap.
   */
  async load(): Promise<{ inFlight: number; queued: number; maxConcurrent: number | undefined; headroom: number }> {
    const fleet = this.cluster !== undefined && this.requests !== undefined ? await this.requests.runningCount().catch(() => undefined) : undefined;
    const { requests, tokens } = await this.remaining();
    const { bucket, tokensPerMinute } = this.limits;
    const requestShare = requests === undefined || bucket === undefined ? 1 : requests / bucket.burst;
    const tokenShare = tokens === undefined || tokensPerMinute === undefined ? 1 : tokens / tokensPerMinute;
    const headroom = Math.max(0, Math.min(1, requestShare, tokenShare));
    return { inFlight: fleet ?? this.running.value, queued: this.waiting, maxConcurrent: this.limits.maxConcurrent, headroom };
  }

  /**
   * What the endpoint's own budgets hold now (fleet-wide when they live in Redis): requests in
   * its bucket (at most `burst`, refilling requests_per_minute a minute) and tokens in its token
   * budget (at most tokens_per_minute; below 0 while a call's overrun is being paid back).
   * Undefined for a limit the endpoint does not have, or one Redis does not answer for.
   */
  async remaining(): Promise<{ requests: number | undefined; tokens: number | undefined }> {
    const burst = this.limits.bucket?.burst;
    const [share, tokens] = await Promise.all([this.requests?.requestShare().catch(() => undefined), this.budget?.currentTokens().catch(() => undefined)]);
    return { requests: share === undefined || burst === undefined ? undefined : share * burst, tokens };
  }

  stats(): ThrottleStats {
    return {
      queued: this.waiting,
      running: this.running.value,
      started: this.started,
      waitedMsTotal: this.waitedMsTotal,
      rejectedQueueFull: this.rejectedQueueFull,
      rejectedUnavailable: this.rejectedUnavailable,
    };
  }

  /**
   * Refuses new jobs (E_CANCELLED), rejects the waiting ones with E_CANCELLED, and resolves
   * once every fn in flight has settled (and, in Redis, freed its slot). Calling it again
   * returns the same promise.
   */
  stop(): Promise<void> {
    this.stopping ??= this.doStop();
    return this.stopping;
  }

  /** A pass of the dead-replica slot reaper (tests); 0 when not clustered or without a concurrency cap. */
  reapSlots(): Promise<number> {
    return this.requests?.reapSlots() ?? Promise.resolve(0);
  }

  private async doStop(): Promise<void> {
    this.stopped = true;
    this.stopWatchingRedis?.();
    this.failWaiting(throttleErrors.stopped(this.endpointName));
    await this.requests?.stop(`throttle for endpoint "${this.endpointName}" stopped`);
    await this.running.idle();
  }

  private redisLost(): void {
    this.failWaiting(throttleErrors.unavailable(this.endpointName));
    this.requests?.dropQueued(`throttle Redis for endpoint "${this.endpointName}" is unavailable`);
  }

  private failWaiting(error: ModelbusError): void {
    for (const pending of [...this.pending]) pending.fail(error);
  }

  /** The unlimited path: no limiter, no queue, no wait accounting; only the two counters. */
  private async runDirect<T>(fn: () => Promise<T>): Promise<T> {
    this.running.enter();
    this.started++;
    try {
      return await fn();
    } finally {
      this.running.leave();
    }
  }

  private runLimited<T>(fn: () => Promise<T>, signal: AbortSignal | undefined, tokens: number): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const call: Call<T> = {
        fn,
        tokens,
        signal,
        resolve,
        reject,
        queuedAt: this.now(),
        state: "waiting",
        ticket: undefined,
        charged: 0,
        fail: (error) => this.failCall(call, error),
        onAbort: () => this.failCall(call, throttleErrors.aborted(this.endpointName, signal?.reason)),
      };
      this.waiting++;
      this.pending.add(call);
      signal?.addEventListener("abort", call.onAbort, { once: true });
      if (this.budget === undefined) this.requestStage(call);
      else this.tokenStage(call, this.budget);
    });
  }

  /** Waits in the token budget's line for the (clamped) estimate, then moves on to the request limiter. */
  private tokenStage<T>(call: Call<T>, budget: TokenBudget): void {
    const charge = Math.min(call.tokens, this.limits.tokensPerMinute ?? call.tokens);
    call.ticket = budget.acquire(charge);
    call.ticket.promise.then(
      () => {
        // Left (aborted, stopped) just as its tokens were taken: give them back.
        if (call.state !== "waiting") return void budget.adjust(-charge);
        call.charged = charge;
        this.requestStage(call);
      },
      (error: unknown) => this.failCall(call, toModelbusError(error)),
    );
  }

  private requestStage<T>(call: Call<T>): void {
    const requests = this.requests;
    if (requests === undefined) return void this.runCall(call);
    // runCall never rejects (fn's outcome goes straight to the caller), so a rejection here
    // is the gate refusing the job: queue full, stopped, aborted, or Redis failing.
    requests
      .schedule(() => this.runCall(call), call.signal)
      .catch((error: unknown) => {
        if (call.state === "waiting") this.failCall(call, this.refusedError(error));
      });
  }

  /** The job the limiter runs once the call holds a slot and a request token. */
  private async runCall<T>(call: Call<T>): Promise<void> {
    // Gone while queued in a gate that cannot drop it (Bottleneck, in a cluster): the request
    // token and the slot are spent, fn is not called.
    if (call.state !== "waiting") return;
    this.leave(call, "started");
    this.recordWait(this.now() - call.queuedAt);
    this.running.enter();
    this.started++;
    // A charge clamped to the capacity: the rest becomes debt that later calls wait out.
    if (call.charged > 0 && call.tokens > call.charged) void this.budget?.adjust(call.tokens - call.charged);
    try {
      call.resolve(await call.fn());
    } catch (error) {
      call.reject(error);
    } finally {
      this.running.leave();
    }
  }

  private failCall<T>(call: Call<T>, error: ModelbusError): void {
    if (call.state !== "waiting") return;
    this.leave(call, "gone");
    call.ticket?.cancel();
    if (call.charged > 0) void this.budget?.adjust(-call.charged);
    if (error.code === THROTTLE_UNAVAILABLE) this.rejectedUnavailable++;
    call.reject(error);
  }

  private leave<T>(call: Call<T>, next: "started" | "gone"): void {
    call.state = next;
    this.waiting--;
    this.pending.delete(call);
    call.signal?.removeEventListener("abort", call.onAbort);
  }

  private recordWait(waitedMs: number): void {
    const waited = Math.max(0, waitedMs);
    this.waitedMsTotal += waited;
    this.onWait?.(waited);
  }

  private refusedError(error: unknown): ModelbusError {
    if (this.stopped) return throttleErrors.stopped(this.endpointName, error);
    if (error instanceof GateQueueFullError) {
      this.rejectedQueueFull++;
      return throttleErrors.queueFull(this.endpointName, this.limits.maxQueue, error);
    }
    // In a cluster, anything else the gate rejects with is Redis failing (timeout, closed connection).
    if (this.cluster !== undefined) return throttleErrors.unavailable(this.endpointName, error);
    return toModelbusError(error, "E_INTERNAL");
  }
}
