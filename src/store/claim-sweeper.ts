import { deleteClaims, deleteExpiredClaims } from "./claim-statements.ts";
import type { SqlPort } from "./sql-port.ts";
import { sqlDateTime } from "./sql-values.ts";

export interface ClaimSweeperOptions {
  /** How long answered claims wait to be deleted together. */
  readonly intervalMs: number;
  /** How often expired claims (of processes that died) are deleted too. */
  readonly expiredEveryMs: number;
  readonly now: () => number;
  readonly onError: (error: unknown) => void;
}

const maxKeysPerDelete = 1_000;

/**
 * Deletes the claims of answered requests, off the request's path: the stored answer guards a
 * request once written, so its claim only takes room in the claims table (MEMORY, bounded by
 * the server's max_heap_table_size). Keys gather for `intervalMs` and go in one DELETE; now
 * and then the claims whose lease ran out go too. A key lost to a crash or a failed DELETE
 * stays until its lease runs out.
 */
export class ClaimSweeper {
  private keys: string[] = [];
  private timer: NodeJS.Timeout | undefined;
  private lastExpiredSweep: number;
  private running: Promise<void> | undefined;

  constructor(
    private readonly sql: SqlPort,
    private readonly options: ClaimSweeperOptions,
  ) {
    this.lastExpiredSweep = options.now();
  }

  answered(claimKey: string): void {
    this.keys.push(claimKey);
    this.timer ??= setTimeout(() => void this.sweep(), this.options.intervalMs).unref();
  }

  /** Deletes what is queued now (shutdown). */
  async flush(): Promise<void> {
    await this.running;
    await this.sweep();
  }

  private sweep(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const keys = this.keys.splice(0);
    const now = this.options.now();
    const expired = now - this.lastExpiredSweep >= this.options.expiredEveryMs;
    if (expired) this.lastExpiredSweep = now;
    const run = async () => {
      for (let start = 0; start < keys.length; start += maxKeysPerDelete) {
        await this.sql.execute(deleteClaims(keys.slice(start, start + maxKeysPerDelete)));
      }
      if (expired) await this.sql.execute(deleteExpiredClaims(sqlDateTime(new Date(now))));
    };
    const running = run().catch(this.options.onError);
    this.running = running;
    return running;
  }
}
