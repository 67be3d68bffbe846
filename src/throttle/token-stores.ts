/**
 * Where an endpoint's token budget lives: the TokenStore port, in this process
 * (LocalTokenStore) or in Redis, shared by every replica (RedisTokenStore).
 */
import type { Redis } from "ioredis";
import { RedisLua } from "./redis-throttle-connection.ts";

/** What a take attempt found: the tokens were charged, or how long until they could be. */
export type TakeResult = { readonly taken: true } | { readonly taken: false; readonly waitMs: number };

/**
 * Where an endpoint's token budget lives: in this process (LocalTokenStore) or in Redis,
 * shared by every replica (RedisTokenStore). Both refill continuously at tokensPerMinute up
 * to a capacity of tokensPerMinute, computed from the time elapsed since the last change.
 */
export interface TokenStore {
  /** Charges `charge` tokens when the budget holds them; otherwise says how long to wait. */
  take(charge: number): Promise<TakeResult>;
  /** Removes `delta` tokens (positive: the call used more than charged; the level may go below 0) or gives them back (negative; never above capacity). */
  adjust(delta: number): Promise<void>;
  /** This process no longer waits: drop its claim on the next tokens, if it holds one. */
  release(): Promise<void>;
  /** The tokens the budget holds now (refilled to the clock), for a deployment group's `limit_aware`. */
  currentTokens(): Promise<number>;
}

/** Floating-point slack when comparing a continuously refilled level with a charge. */
export const TOKEN_EPSILON = 1e-6;

/**
 * An in-process token budget. Like LocalRequestLimiter's request bucket, the level is derived
 * from the clock, not from timer ticks: every read first adds (elapsed ms × tokensPerMinute /
 * 60000), capped at the capacity, so a late timer never loses tokens and the long-run rate is exact.
 */
export class LocalTokenStore implements TokenStore {
  private readonly capacity: number;
  private readonly perMs: number;
  private level: number;
  private at: number;

  constructor(
    tokensPerMinute: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.capacity = tokensPerMinute;
    this.perMs = tokensPerMinute / 60_000;
    this.level = this.capacity;
    this.at = now();
  }

  async take(charge: number): Promise<TakeResult> {
    this.refill();
    if (this.level + TOKEN_EPSILON >= charge) {
      this.level -= charge;
      return { taken: true };
    }
    return { taken: false, waitMs: (charge - this.level) / this.perMs };
  }

  async adjust(delta: number): Promise<void> {
    this.refill();
    this.level = Math.min(this.capacity, this.level - delta);
  }

  async release(): Promise<void> {}

  async currentTokens(): Promise<number> {
    return this.currentLevel();
  }

  /** The current level (for tests and debugging). */
  currentLevel(): number {
    this.refill();
    return this.level;
  }

  private refill(): void {
    const now = this.now();
    if (now > this.at) this.level = Math.min(this.capacity, this.level + (now - this.at) * this.perMs);
    this.at = now;
  }
}

/**
 * One script for the three operations, so the refill arithmetic exists once. The bucket is a
 * hash {level, at, holder, held, hold_until}; `at` and "now" come from Redis's own clock
 * (TIME), so replicas' clocks do not matter. A missing key is a full bucket: the key expires
 * only after the time it takes to refill completely, plus a minute.
 *
 * Reservation: a take that fails leaves a claim (holder, held) when nobody else holds one;
 * other replicas' takes must then leave `held` tokens in the bucket. Without it, a replica
 * waiting for a large charge could starve while others keep taking small ones as the tokens
 * trickle in. The claim lapses after hold_ms unless its holder polls again.
 */
const BUCKET = new RedisLua(`
redis.replicate_commands()
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + tonumber(time[2]) / 1000
local op = ARGV[1]
local capacity = tonumber(ARGV[2])
local per_ms = tonumber(ARGV[3]) / 60000
local amount = tonumber(ARGV[4])
local me = ARGV[5]
local hold_ms = tonumber(ARGV[6])
local state = redis.call('HMGET', KEYS[1], 'level', 'at', 'holder', 'held', 'hold_until')
local level = tonumber(state[1]) or capacity
local at = tonumber(state[2]) or now
if now > at then level = math.min(capacity, level + (now - at) * per_ms) end
local holder = state[3] or ''
local held = tonumber(state[4]) or 0
local hold_until = tonumber(state[5]) or 0
if holder ~= '' and hold_until < now then holder = ''; held = 0; hold_until = 0 end
local reply = {1, '0'}
if op == 'take' then
  local reserved = 0
  if holder ~= '' and holder ~= me then reserved = held end
  if level - reserved + 1e-6 >= amount then
    level = level - amount
    if holder == me then holder = ''; held = 0; hold_until = 0 end
  else
    if holder == '' or holder == me then holder = me; held = amount; hold_until = now + hold_ms end
    reply = {0, tostring((amount + reserved - level) / per_ms)}
  end
elseif op == 'adjust' then
  level = math.min(capacity, level - amount)
elseif op == 'release' then
  if holder == me then holder = ''; held = 0; hold_until = 0 end
elseif op == 'level' then
  reply = {1, tostring(level)}
end
redis.call('HSET', KEYS[1], 'level', level, 'at', now, 'holder', holder, 'held', held, 'hold_until', hold_until)
redis.call('PEXPIRE', KEYS[1], math.ceil(math.max(0, capacity - level) / per_ms) + 60000)
return reply
`);

export interface RedisTokenStoreOptions {
  readonly client: Redis;
  /** The bucket's key, e.g. `modelbus:<endpoint>:tokens`. */
  readonly key: string;
  readonly tokensPerMinute: number;
  /** Identifies this process's claim; unique per store. */
  readonly holderId: string;
  /** How long an unrefreshed claim lasts; must exceed the poll interval of the waiting head. */
  readonly holdMs: number;
}

export class RedisTokenStore implements TokenStore {
  constructor(private readonly options: RedisTokenStoreOptions) {}

  async take(charge: number): Promise<TakeResult> {
    const [taken, waitMs] = (await this.run("take", charge)) as [number, string];
    return taken === 1 ? { taken: true } : { taken: false, waitMs: Number(waitMs) };
  }

  async adjust(delta: number): Promise<void> {
    await this.run("adjust", delta);
  }

  async release(): Promise<void> {
    await this.run("release", 0);
  }

  async currentTokens(): Promise<number> {
    const [, level] = (await this.run("level", 0)) as [number, string];
    return Number(level);
  }

  private run(op: "take" | "adjust" | "release" | "level", amount: number): Promise<unknown> {
    const { client, key, tokensPerMinute, holderId, holdMs } = this.options;
    return BUCKET.run(client, [key], [op, tokensPerMinute, tokensPerMinute, amount, holderId, holdMs]);
  }
}
