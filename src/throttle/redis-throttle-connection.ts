import { createHash } from "node:crypto";
import Bottleneck from "bottleneck";
import { Redis } from "ioredis";
import { throttleUnavailableError } from "./throttle-errors.ts";

export interface RedisThrottleConnectionOptions {
  /** redis:// or rediss:// URL. */
  readonly url: string;
  readonly password?: string | undefined;
  /** A Redis command not answered within this fails, and with it the throttle call; default 1000 ms. */
  readonly commandTimeoutMs?: number | undefined;
  /** How often the connection is probed with PING, so a Redis that stopped answering is noticed; default 1000 ms. */
  readonly probeIntervalMs?: number | undefined;
  /** Connection errors (also reported as unhealthy); for logging. */
  readonly onError?: ((error: unknown) => void) | undefined;
}

type HealthListener = (healthy: boolean) => void;

/**
 * The one Redis connection of a ThrottleRegistry: an ioredis client (commands and Lua
 * scripts) and its duplicate for pub/sub, wrapped in a Bottleneck.IORedisConnection that
 * every endpoint's limiter shares (Bottleneck's `connection` option).
 *
 * Fail fast, never hang: commands are not queued while disconnected (enableOfflineQueue:
 * false), in-flight ones fail when the socket closes (maxRetriesPerRequest: 0) and are not
 * replayed after a reconnect (a replayed `register` script would take a slot nobody frees),
 * and every command has a timeout. ioredis keeps reconnecting in the background.
 *
 * healthy() is true while both connections are ready and the last PING answered in time.
 * Listeners hear every change, so throttles can reject their waiting jobs the moment Redis goes.
 */
export class RedisThrottleConnection {
  readonly client: Redis;
  readonly subscriber: Redis;
  readonly bottleneck: Bottleneck.IORedisConnection;
  private readonly listeners = new Set<HealthListener>();
  private readonly probeTimer: ReturnType<typeof setInterval>;
  private readonly commandTimeoutMs: number;
  private probeFailed = false;
  private closed = false;
  private lastHealthy = false;

  constructor(options: RedisThrottleConnectionOptions) {
    this.commandTimeoutMs = options.commandTimeoutMs ?? 1_000;
    this.client = new Redis(options.url, {
      ...(options.password === undefined ? {} : { password: options.password }),
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      autoResendUnfulfilledCommands: false,
      commandTimeout: this.commandTimeoutMs,
      connectTimeout: Math.max(1_000, this.commandTimeoutMs),
      retryStrategy: (attempt) => Math.min(50 * 2 ** attempt, 1_000),
    });
    this.client.on("error", (error: unknown) => options.onError?.(error));
    this.bottleneck = new Bottleneck.IORedisConnection({ client: this.client, Redis });
    const subscriber = (this.bottleneck as unknown as { subscriber?: unknown }).subscriber;
    // Bottleneck 2.19.5 duplicates the client for pub/sub and keeps it here; without it we could not watch it.
    if (!(subscriber instanceof Redis)) throw new Error("Bottleneck.IORedisConnection has no ioredis subscriber (Bottleneck version changed?)");
    this.subscriber = subscriber;
    for (const connection of [this.client, this.subscriber]) {
      // A fresh connection clears an old PING failure; the next probe checks again.
      connection.on("ready", () => {
        this.probeFailed = false;
        this.update();
      });
      for (const event of ["close", "end", "reconnecting"]) connection.on(event, () => this.update());
    }
    this.probeTimer = setInterval(() => void this.probe(), options.probeIntervalMs ?? 1_000);
    this.probeTimer.unref();
  }

  healthy(): boolean {
    return !this.closed && !this.probeFailed && this.client.status === "ready" && this.subscriber.status === "ready";
  }

  /** Called with the new state on every change of healthy(); returns the unsubscribe function. */
  onHealthChange(listener: HealthListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves once healthy; rejects with E_THROTTLE_UNAVAILABLE after timeoutMs. */
  ready(timeoutMs: number): Promise<void> {
    if (this.healthy()) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        stopListening();
        reject(throttleUnavailableError(`throttle Redis is not reachable after ${timeoutMs}ms (status ${this.client.status})`));
      }, timeoutMs);
      const stopListening = this.onHealthChange((healthy) => {
        if (!healthy) return;
        clearTimeout(timer);
        stopListening();
        resolve();
      });
    });
  }

  /** Stops probing and closes both connections (QUIT when possible, so Redis sees a clean goodbye). */
  async close(): Promise<void> {
    if (this.closed) return;
    const wasReady = this.healthy();
    this.closed = true;
    clearInterval(this.probeTimer);
    this.update();
    if (wasReady) {
      const quit = Promise.allSettled([this.client.quit(), this.subscriber.quit()]);
      await Promise.race([quit, new Promise((resolve) => setTimeout(resolve, this.commandTimeoutMs).unref())]);
    }
    // Stops the heartbeats of the limiters registered on the connection and drops the sockets.
    await this.bottleneck.disconnect(false);
  }

  private async probe(): Promise<void> {
    if (this.closed || this.client.status !== "ready") return;
    try {
      await this.client.ping();
      this.probeFailed = false;
    } catch {
      this.probeFailed = true;
    }
    this.update();
  }

  private update(): void {
    const healthy = this.healthy();
    if (healthy === this.lastHealthy) return;
    this.lastHealthy = healthy;
    for (const listener of [...this.listeners]) listener(healthy);
  }
}

/** A Lua script run atomically in Redis: EVALSHA, falling back to EVAL once after a Redis restart (NOSCRIPT). */
export class RedisLua {
  private readonly sha: string;

  constructor(private readonly lua: string) {
    this.sha = createHash("sha1").update(lua).digest("hex");
  }

  async run(client: Redis, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    try {
      return await client.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith("NOSCRIPT")) throw error;
      return client.eval(this.lua, keys.length, ...keys, ...args);
    }
  }
}
