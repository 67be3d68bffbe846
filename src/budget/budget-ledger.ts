import type { Redis } from "ioredis";

/** A rolling window of a budget: its length in ms, or Infinity for `total`. */
export const budgetWindows = { per_minute: 60_000, per_hour: 3_600_000, per_day: 86_400_000, total: Number.POSITIVE_INFINITY } as const;
export type BudgetWindow = keyof typeof budgetWindows;
export type BudgetUnit = "tokens" | "cost";

/** One limit to check: what is counted (`key`: scope, id and unit), over which window, up to how much. */
export interface BudgetLimit {
  readonly key: string;
  readonly window: BudgetWindow;
  readonly limit: number;
  /** What this request is charged against it before the call. */
  readonly amount: number;
}

/** The first limit a charge would pass, with what was spent in its window when it was checked. */
export interface Exceeded {
  readonly index: number;
  readonly spent: number;
  /** ms until the charge would fit, or Infinity (a `total`, or a charge larger than the limit). */
  readonly refillsInMs: number;
}

/** A charge taken: correct it by the difference once the real usage is known. */
export interface Charge {
  correct(deltas: readonly number[]): Promise<void>;
}

/**
 * Sliding windows from two fixed buckets, as rate limiters at scale count them: the spend of
 * the last W is the current bucket plus the previous one weighted by how much of it the window
 * still covers. `total` is one counter that never rolls.
 */
function buckets(window: BudgetWindow, now: number): { current: number; weight: number; elapsed: number } {
  const length = budgetWindows[window];
  if (!Number.isFinite(length)) return { current: 0, weight: 0, elapsed: 0 };
  const current = Math.floor(now / length);
  const elapsed = now - current * length;
  return { current, weight: 1 - elapsed / length, elapsed };
}

/** When a charge of `amount` fits under `limit` again, with `current` and `previous` spent now. */
export function refillsInMs(window: BudgetWindow, current: number, previous: number, amount: number, limit: number, elapsed: number): number {
  const length = budgetWindows[window];
  const room = limit - amount;
  if (!Number.isFinite(length) || room < 0) return Number.POSITIVE_INFINITY;
  // Until this bucket ends, the previous one fades out: previous * (1 - (elapsed + t) / length) + current <= room.
  if (current <= room) {
    const t = previous > 0 ? length * (1 - (room - current) / previous) - elapsed : 0;
    if (t <= length - elapsed) return Math.max(0, Math.ceil(t));
  }
  // Then this bucket becomes the previous one and fades: current * (1 - (elapsed + t - length) / length) <= room.
  const t = current > 0 ? length * (2 - room / current) - elapsed : length - elapsed;
  return Math.max(0, Math.ceil(t));
}

function keyOf(limit: BudgetLimit, bucket: number): string {
  return `${limit.key}:${limit.window}:${Number.isFinite(budgetWindows[limit.window]) ? bucket : "all"}`;
}

/** Where spend is counted: this process (LocalBudgetLedger) or the fleet (RedisBudgetLedger). */
export interface BudgetLedger {
  /** Charges every limit its amount, all or none: undefined and nothing charged when one would be passed. */
  charge(limits: readonly BudgetLimit[], now: number): Promise<{ charge: Charge } | { exceeded: Exceeded }>;
  /** What was spent in a limit's window (for the views). */
  spent(key: string, window: BudgetWindow, now: number): Promise<number>;
}

/** How many charges between two sweeps of the buckets that no window covers any more. */
const sweepEvery = 1_000;

/** One process's spend, in memory: what it charged, counted until it stops. */
export class LocalBudgetLedger implements BudgetLedger {
  private readonly counters = new Map<string, number>();
  /** When each bucket stops counting (two windows after it began; never for a total). */
  private readonly expires = new Map<string, number>();
  private charges = 0;

  async charge(limits: readonly BudgetLimit[], now: number): Promise<{ charge: Charge } | { exceeded: Exceeded }> {
    const checked = limits.map((limit) => {
      const { current, weight, elapsed } = buckets(limit.window, now);
      const spentNow = this.counters.get(keyOf(limit, current)) ?? 0;
      const spentBefore = this.counters.get(keyOf(limit, current - 1)) ?? 0;
      return { limit, key: keyOf(limit, current), spentNow, spentBefore, weight, elapsed };
    });
    for (const [index, entry] of checked.entries()) {
      const spent = entry.spentNow + entry.spentBefore * entry.weight;
      if (spent + entry.limit.amount > entry.limit.limit) {
        const refill = refillsInMs(entry.limit.window, entry.spentNow, entry.spentBefore, entry.limit.amount, entry.limit.limit, entry.elapsed);
        return { exceeded: { index, spent, refillsInMs: refill } };
      }
    }
    for (const entry of checked) {
      this.add(entry.key, entry.limit.amount);
      const length = budgetWindows[entry.limit.window];
      if (Number.isFinite(length)) this.expires.set(entry.key, (Math.floor(now / length) + 2) * length);
    }
    if (++this.charges % sweepEvery === 0) this.sweep(now);
    const keys = checked.map((entry) => entry.key);
    return { charge: { correct: async (deltas) => deltas.forEach((delta, index) => this.add(keys[index] as string, delta)) } };
  }

  async spent(key: string, window: BudgetWindow, now: number): Promise<number> {
    const { current, weight } = buckets(window, now);
    const limit = { key, window, limit: 0, amount: 0 };
    return (this.counters.get(keyOf(limit, current)) ?? 0) + (this.counters.get(keyOf(limit, current - 1)) ?? 0) * weight;
  }

  private add(key: string, amount: number): void {
    this.counters.set(key, (this.counters.get(key) ?? 0) + amount);
  }

  /** Forgets the buckets no window covers any more (a total's counter stays: it never rolls). */
  private sweep(now: number): void {
    for (const [key, expiresAt] of this.expires) {
      if (expiresAt > now) continue;
      this.expires.delete(key);
      this.counters.delete(key);
    }
  }
}

/**
 * Checks every limit, then charges them all, in one script: two replicas cannot both take the
 * last of a budget. KEYS: per limit, its current bucket then its previous one. ARGV: per limit,
 * the limit, the previous bucket's weight, the amount and the bucket's time to live in seconds
 * (0: a total, kept). Returns 0, or the 1-based index of the first limit passed with what its
 * two buckets held.
 */
const chargeScript = `
local n = #KEYS / 2
for i = 1, n do
  local limit = tonumber(ARGV[4 * i - 3])
  local weight = tonumber(ARGV[4 * i - 2])
  local amount = tonumber(ARGV[4 * i - 1])
  local current = tonumber(redis.call('GET', KEYS[2 * i - 1]) or '0')
  local previous = tonumber(redis.call('GET', KEYS[2 * i]) or '0')
  if current + previous * weight + amount > limit then
    return {i, tostring(current), tostring(previous)}
  end
end
for i = 1, n do
  redis.call('INCRBYFLOAT', KEYS[2 * i - 1], ARGV[4 * i - 1])
  local ttl = tonumber(ARGV[4 * i])
  if ttl > 0 then redis.call('EXPIRE', KEYS[2 * i - 1], ttl) end
end
return {0}
`;

/** The fleet's spend, in Redis (throttle.redis_url), shared by every replica. */
export class RedisBudgetLedger implements BudgetLedger {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  async charge(limits: readonly BudgetLimit[], now: number): Promise<{ charge: Charge } | { exceeded: Exceeded }> {
    const keys: string[] = [];
    const args: string[] = [];
    const shapes = limits.map((limit) => {
      const { current, weight, elapsed } = buckets(limit.window, now);
      const length = budgetWindows[limit.window];
      keys.push(`${this.prefix}:${keyOf(limit, current)}`, `${this.prefix}:${keyOf(limit, current - 1)}`);
      const ttlSeconds = Number.isFinite(length) ? Math.ceil((2 * length) / 1_000) : 0;
      args.push(String(limit.limit), String(weight), String(limit.amount), String(ttlSeconds));
      return { elapsed, ttlSeconds, key: `${this.prefix}:${keyOf(limit, current)}` };
    });
    const result = (await this.redis.eval(chargeScript, keys.length, ...keys, ...args)) as [number, string?, string?];
    const [failed, current, previous] = result;
    if (failed > 0) {
      const index = failed - 1;
      const limit = limits[index] as BudgetLimit;
      const shape = shapes[index] as { elapsed: number };
      const spentNow = Number(current ?? 0);
      const spentBefore = Number(previous ?? 0);
      const { weight } = buckets(limit.window, now);
      const refill = refillsInMs(limit.window, spentNow, spentBefore, limit.amount, limit.limit, shape.elapsed);
      return { exceeded: { index, spent: spentNow + spentBefore * weight, refillsInMs: refill } };
    }
    return {
      charge: {
        correct: async (deltas) => {
          const pipeline = this.redis.pipeline();
          deltas.forEach((delta, index) => {
            const shape = shapes[index];
            if (delta === 0 || shape === undefined) return;
            pipeline.incrbyfloat(shape.key, delta);
            // Keep the bucket's time to live (a key that expired during a long call comes back with one).
            if (shape.ttlSeconds > 0) pipeline.expire(shape.key, shape.ttlSeconds);
          });
          await pipeline.exec();
        },
      },
    };
  }

  async spent(key: string, window: BudgetWindow, now: number): Promise<number> {
    const { current, weight } = buckets(window, now);
    const limit = { key, window, limit: 0, amount: 0 };
    const [spentNow, spentBefore] = await this.redis.mget(`${this.prefix}:${keyOf(limit, current)}`, `${this.prefix}:${keyOf(limit, current - 1)}`);
    return Number(spentNow ?? 0) + Number(spentBefore ?? 0) * weight;
  }
}
