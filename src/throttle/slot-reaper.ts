import type Bottleneck from "bottleneck";
import { RedisLua, type RedisThrottleConnection } from "./redis-throttle-connection.ts";

/** One reaper pass, atomic in Redis: finds stale jobs, frees those the previous pass found too, returns {freed, suspects}. */
const REAP = new RedisLua(`
local now = tonumber(ARGV[1])
local timeout = tonumber(ARGV[2])
local me = ARGV[3]
local mine_count = tonumber(ARGV[4])
local mine = {}
for i = 5, 4 + mine_count do mine[ARGV[i]] = true end
local confirm = {}
for i = 5 + mine_count, #ARGV do confirm[ARGV[i]] = true end
local jobs = redis.call('hgetall', KEYS[1])
local suspects = {}
local freed = 0
for i = 1, #jobs, 2 do
  local index, client = jobs[i], jobs[i + 1]
  local stale
  if client == me then
    stale = not mine[index]
  else
    local seen = tonumber(redis.call('zscore', KEYS[3], client))
    stale = seen == nil or seen < now - timeout
  end
  if stale then
    if confirm[index] then
      redis.call('zadd', KEYS[2], 0, index)
      freed = freed + 1
    else
      table.insert(suspects, index)
    end
  end
end
return {freed, suspects}
`);

/** What the reaper reads from a Bottleneck limiter's private state. */
interface LimiterInternals {
  readonly _store?: { readonly clientId?: unknown };
  readonly _scheduled?: Record<string, unknown>;
}

export interface SlotReaperOptions {
  readonly connection: RedisThrottleConnection;
  /** The limiter id, as in bottleneckOptions (keys `b_<id>_*`). */
  readonly limiterId: string;
  readonly clientTimeoutMs: number;
  /** The endpoint's current limiter, if any. */
  readonly limiter: () => Bottleneck | undefined;
  readonly onError?: ((error: unknown) => void) | undefined;
}

/**
 * Frees concurrency slots that nobody will ever free, in Bottleneck's shared Redis state.
 *
 * Bottleneck frees a clustered job's slot when the job finishes; its Redis scripts free it
 * on their own only when the job carried an `expiration` (a lease that runs out even while
 * the call is still going, so it would have to outlast the longest call). Its `clientTimeout`
 * only stops sending work to a silent replica and forgets it once it holds no slot; its
 * `timeout` is an idle TTL on the keys, which every live replica keeps refreshing. So without
 * help, a replica killed while holding slots keeps them forever.
 *
 * Each pass looks at every running job in Redis (`b_<id>_job_clients`: job → client):
 *   - a job of a client whose last heartbeat is older than clientTimeout (or that is gone):
 *     the replica died;
 *   - a job of our own client that our limiter is not running: its `free` was lost (Redis
 *     failed at that moment).
 * Such a job is freed only when the previous pass found it too (a live client briefly
 * blacklisted by Bottleneck, or a job registered a moment before our limiter records it,
 * clears up by then). Freeing means what Bottleneck's own `free` does: the job's expiration
 * becomes 0, and the next process_tick (any replica's heartbeat) returns its weight and wakes
 * the waiting jobs. Passes run every clientTimeout / 4, so a slot held by a killed replica
 * is freed between 1¼ and 1½ × clientTimeout after its last heartbeat, plus one heartbeat.
 *
 * Relies on Bottleneck 2.19.5's key layout and on two of its private fields
 * (`_store.clientId`, `_scheduled`); the package is pinned to that exact version.
 */
export class SlotReaper {
  private suspects: string[] = [];
  private timer: ReturnType<typeof setInterval> | undefined;
  private passing = false;

  constructor(private readonly options: SlotReaperOptions) {}

  start(): void {
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => void this.pass(), Math.max(10, this.options.clientTimeoutMs / 4));
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One pass; resolves to the number of slots freed. The timer calls it; tests may too. */
  async pass(): Promise<number> {
    const { connection, limiterId, clientTimeoutMs } = this.options;
    if (this.passing || !connection.healthy()) return 0;
    this.passing = true;
    try {
      const internals = this.options.limiter() as LimiterInternals | undefined;
      const clientId = internals?._store?.clientId;
      const scheduled = internals?._scheduled;
      // Without both private fields, our own jobs are left alone (only dead replicas are reaped).
      const ownKnown = typeof clientId === "string" && typeof scheduled === "object" && scheduled !== null;
      const me = ownKnown ? clientId : "";
      const mine = ownKnown ? Object.keys(scheduled) : [];
      const keys = [`b_${limiterId}_job_clients`, `b_${limiterId}_job_expirations`, `b_${limiterId}_client_last_seen`];
      const reply = await REAP.run(connection.client, keys, [Date.now(), clientTimeoutMs, me, mine.length, ...mine, ...this.suspects]);
      const [freed, suspects] = reply as [number, string[]];
      this.suspects = suspects;
      return freed;
    } catch (error) {
      this.options.onError?.(error);
      return 0;
    } finally {
      this.passing = false;
    }
  }
}
