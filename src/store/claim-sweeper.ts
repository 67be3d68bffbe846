import { deleteClaims, deleteExpiredClaims } from "./claim-statements.ts";
import type { SqlPort } from "./sql-port.ts";
import { sqlDateTime } from "./sql-values.ts";

export interface ClaimSweeperOptions {
  /** How long answered claims wait to be deleted together. */
  readonly intervalMs: number;
  /** How often claims whose lease ran out are deleted. */
  readonly expiredEveryMs: number;
  readonly now: () => number;
  readonly onError: (error: unknown) => void;
  /** How long close() waits for the last DELETE (a database that does not answer must not hold shutdown). */
  readonly closeWaitMs?: number;
}

const maxKeysPerDelete = 1_000;
/** Answered keys kept for another try after failed DELETEs; beyond, the oldest are left to expire. */
const maxQueuedKeys = 100_000;
/** An expired sweep asked for out of turn (the table is full) runs at most this often. */
const minExpiredGapMs = 1_000;

/**
 * Keeps the claims table (MEMORY, bounded by the server's max_heap_table_size) small, off the
 * request's path. The claims of answered requests (their stored answer guards them now) gather
 * for `intervalMs` and go in one DELETE; a failed DELETE puts them back for the next sweep.
 * Every `expiredEveryMs`, and at once when a claim found the table full, the claims whose lease
 * ran out go too: those of processes that died, or of requests abandoned without an answer.
 */
export class ClaimSweeper {
  private keys: string[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly expiredTimer: NodeJS.Timeout;
  private lastExpiredSweep = Number.NEGATIVE_INFINITY;
  private running: Promise<void> = Promise.resolve();

  constructor(
    private readonly sql: SqlPort,
    private readonly options: ClaimSweeperOptions,
  ) {
    this.expiredTimer = setInterval(() => this.sweepExpired(), options.expiredEveryMs).unref();
  }

  answered(claimKey: string): void {
    this.keys.push(claimKey);
    this.timer ??= setTimeout(() => this.sweepAnswered(), this.options.intervalMs).unref();
  }

  /** The claims table is full: delete the expired claims now rather than at the next interval. */
  tableFull(): void {
    if (this.options.now() - this.lastExpiredSweep >= minExpiredGapMs) this.sweepExpired();
  }

  /**
   * Stops the timers and deletes what is queued (shutdown), waiting at most `closeWaitMs`
   * (2 s by default): claims not deleted by then expire with their lease.
   */
  async close(): Promise<void> {
    clearInterval(this.expiredTimer);
    this.sweepAnswered();
    let timer: NodeJS.Timeout | undefined;
    const waited = new Promise<void>((resolve) => (timer = setTimeout(resolve, this.options.closeWaitMs ?? 2_000)));
    await Promise.race([this.running, waited]);
    clearTimeout(timer);
  }

  private sweepAnswered(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const keys = this.keys.splice(0);
    if (keys.length === 0) return;
    this.enqueue(async () => {
      for (let start = 0; start < keys.length; start += maxKeysPerDelete) {
        const chunk = keys.slice(start, start + maxKeysPerDelete);
        try {
          await this.sql.execute(deleteClaims(chunk));
        } catch (error) {
          this.keys.unshift(...keys.slice(start, start + maxQueuedKeys - this.keys.length));
          throw error;
        }
      }
    });
  }

  private sweepExpired(): void {
    const now = this.options.now();
    this.lastExpiredSweep = now;
    this.enqueue(async () => {
      await this.sql.execute(deleteExpiredClaims(sqlDateTime(new Date(now))));
    });
  }

  /** One sweep at a time, in order; a failure is reported, never thrown. */
  private enqueue(run: () => Promise<void>): void {
    this.running = this.running.then(run).catch(this.options.onError);
  }
}
