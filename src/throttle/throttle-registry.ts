import type { Redis } from "ioredis";
import type { ModelbusConfig } from "../config/config-schema.ts";
import { ModelbusError } from "../core/modelbus-error.ts";
import type { Logger } from "../observability/logger.ts";
import { EndpointThrottle, type ThrottleStats } from "./endpoint-throttle.ts";
import type { EndpointThrottleCluster } from "./throttle-backends.ts";
import { RedisThrottleConnection } from "./redis-throttle-connection.ts";
import { isUnlimited, normalizeLimits, throttleLimitsFromConfig, type ThrottleLimits } from "./throttle-limits.ts";
import { throttleUnavailableError } from "./throttle-errors.ts";

export interface ThrottleRedisOptions {
  /** redis:// or rediss:// URL (config `throttle.redis_url`). */
  readonly url: string;
  /** From the env var named by `throttle.redis_password_env`. */
  readonly password?: string | undefined;
  /** Prefix of every key and limiter id: `<keyPrefix>:<endpoint>`; default "modelbus". Tests use a unique one. */
  readonly keyPrefix?: string | undefined;
  /** A replica not heard from for this long is dead and its slots are freed; default 10 000 ms. */
  readonly clientTimeoutMs?: number | undefined;
  /** A Redis command not answered within this fails the throttle call; default 1000 ms. */
  readonly commandTimeoutMs?: number | undefined;
}

export interface ThrottleRegistryOptions {
  /** Called once per throttled job whose fn starts, with its endpoint and how long it waited. */
  readonly onWait?: ((endpointName: string, waitedMs: number) => void) | undefined;
  /** Monotonic clock for the wait accounting and the in-process limits, in milliseconds; default performance.now. */
  readonly now?: (() => number) | undefined;
  /** Enforce every endpoint's limits across all replicas through Redis; without it they are per process. */
  readonly redis?: ThrottleRedisOptions | undefined;
  /** Background failures (Redis connection, heartbeats, frees, token adjustments); for logging. */
  readonly onError?: ((endpointName: string | undefined, error: unknown) => void) | undefined;
}

/** Endpoints without an entry get no limits: their throttle calls fn directly. */
const NO_LIMITS: ThrottleLimits = { maxQueue: Number.POSITIVE_INFINITY };

/**
 * One EndpointThrottle per endpoint name, created on first use and shared by every request
 * and alias that reaches the endpoint. With `redis`, one connection serves every endpoint and
 * the limits hold across every replica using the same Redis and key prefix.
 */
export class ThrottleRegistry {
  private readonly throttles = new Map<string, EndpointThrottle>();
  private readonly connection: RedisThrottleConnection | undefined;
  private readonly cluster: EndpointThrottleCluster | undefined;
  private stopped = false;
  private stopping: Promise<void> | undefined;

  /** Throttles replaced by reconfigure(), still finishing their calls; stopped once idle. */
  private readonly retiring = new Set<EndpointThrottle>();

  constructor(
    private limitsByEndpoint: ReadonlyMap<string, ThrottleLimits>,
    private readonly options: ThrottleRegistryOptions = {},
  ) {
    const redis = options.redis;
    if (redis === undefined) return;
    this.connection = new RedisThrottleConnection({
      url: redis.url,
      password: redis.password,
      commandTimeoutMs: redis.commandTimeoutMs,
      onError: (error) => options.onError?.(undefined, error),
    });
    this.cluster = {
      connection: this.connection,
      keyPrefix: redis.keyPrefix ?? "modelbus",
      clientTimeoutMs: redis.clientTimeoutMs ?? 10_000,
    };
  }

  /** The endpoint's throttle, created once and cached. An endpoint with no limits gets a pass-through throttle. */
  for(endpointName: string): EndpointThrottle {
    let throttle = this.throttles.get(endpointName);
    if (throttle === undefined) {
      const { onWait, now, onError } = this.options;
      throttle = new EndpointThrottle(endpointName, this.limitsByEndpoint.get(endpointName) ?? NO_LIMITS, {
        onWait: onWait === undefined ? undefined : (waitedMs) => onWait(endpointName, waitedMs),
        now,
        // Stopped: the connection is closed; the throttle only refuses work.
        cluster: this.stopped ? undefined : this.cluster,
        onError: onError === undefined ? undefined : (error) => onError(endpointName, error),
      });
      // After stopAll(), late callers get a throttle that refuses with E_CANCELLED.
      if (this.stopped) void throttle.stop();
      this.throttles.set(endpointName, throttle);
    }
    return throttle;
  }

  /**
   * Readiness: resolves once Redis answers and every configured endpoint's shared state is set
   * up; rejects with E_THROTTLE_UNAVAILABLE after timeoutMs. Resolves at once without Redis.
   * Until it resolves, schedule() on a limited endpoint fails fast with E_THROTTLE_UNAVAILABLE.
   */
  async ready(timeoutMs = 5_000): Promise<void> {
    const connection = this.connection;
    if (connection === undefined) return;
    const deadline = Date.now() + timeoutMs;
    await connection.ready(timeoutMs);
    const limited = [...this.limitsByEndpoint].filter(([name, limits]) => !isUnlimited(normalizeLimits(name, limits)));
    const setUp = Promise.all(limited.map(([name]) => this.for(name).ready()));
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(
        () => reject(throttleUnavailableError(`throttle state in Redis not set up within ${timeoutMs}ms`)),
        Math.max(0, deadline - Date.now()),
      );
    });
    try {
      await Promise.race([setUp, timeout]);
    } catch (error) {
      throw error instanceof ModelbusError ? error : throttleUnavailableError("throttle state in Redis could not be set up", error);
    } finally {
      clearTimeout(timer);
    }
  }

  /** The Redis client the limits are shared through (the budgets' ledger uses it too); undefined without Redis. */
  redisClient(): Redis | undefined {
    return this.connection?.client;
  }

  /** False while the limits live in Redis and Redis is not answering (limited endpoints then refuse work with E_THROTTLE_UNAVAILABLE). */
  healthy(): boolean {
    return this.connection?.healthy() ?? true;
  }

  /**
   * New limits (a config reload): an endpoint whose limits did not change keeps its throttle,
   * and with it its queue, slots and budgets; a changed or removed one gets a fresh throttle on
   * its next call while the old one finishes what it holds (calls and queue) and is stopped once
   * idle. Returns the endpoints whose throttle was replaced.
   */
  reconfigure(limitsByEndpoint: ReadonlyMap<string, ThrottleLimits>): string[] {
    const replaced: string[] = [];
    for (const [name, throttle] of this.throttles) {
      const before = this.limitsByEndpoint.get(name);
      const after = limitsByEndpoint.get(name);
      if (JSON.stringify(before) === JSON.stringify(after)) continue;
      this.throttles.delete(name);
      this.retire(throttle);
      replaced.push(name);
    }
    this.limitsByEndpoint = limitsByEndpoint;
    return replaced;
  }

  private retire(throttle: EndpointThrottle): void {
    this.retiring.add(throttle);
    const check = setInterval(() => {
      const { queued, running } = throttle.stats();
      if (queued > 0 || running > 0) return;
      clearInterval(check);
      this.retiring.delete(throttle);
      void throttle.stop();
    }, 250);
    check.unref();
  }

  /** Stats of every throttle created so far, by endpoint name. */
  stats(): Record<string, ThrottleStats> {
    const result: Record<string, ThrottleStats> = {};
    for (const [name, throttle] of this.throttles) result[name] = throttle.stats();
    return result;
  }

  /**
   * Stops every throttle: waiting jobs reject with E_CANCELLED; resolves when fn calls in
   * flight have settled (and freed their slots in Redis), then closes the Redis connection.
   */
  stopAll(): Promise<void> {
    this.stopping ??= this.doStopAll();
    return this.stopping;
  }

  private async doStopAll(): Promise<void> {
    this.stopped = true;
    await Promise.all([...this.throttles.values(), ...this.retiring].map((throttle) => throttle.stop()));
    await this.connection?.close();
  }
}

/** Limits per endpoint from the config; shared by every replica through Redis when throttle.redis_url is set. */
export function throttleRegistryFromConfig(config: ModelbusConfig, env: NodeJS.ProcessEnv, logger: Logger): ThrottleRegistry {
  const { redis_url: url, redis_password_env: passwordEnv } = config.throttle;
  const password = passwordEnv ? env[passwordEnv] : undefined;
  let lastReport = 0;
  return new ThrottleRegistry(throttleLimitsFromConfig(config.model_registry.endpoints), {
    ...(url ? { redis: { url, ...(password ? { password } : {}) } } : {}),
    onError: (endpoint, error) => {
      // Reported on every failed reconnect: keep the log to one line per 10 s.
      if (Date.now() - lastReport < 10_000) return;
      lastReport = Date.now();
      logger.warn({ endpoint, err: error }, "throttle cannot reach Redis");
    },
  });
}
