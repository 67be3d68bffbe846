export interface GroupCommitOptions<Item, Result> {
  /** Runs one batch; returns one result per item, in order. Throwing fails the batch. */
  readonly run: (items: readonly Item[]) => Promise<readonly Result[]>;
  readonly maxBatch: number;
  /** Batches allowed in flight at once (each holds one database connection). */
  readonly maxConcurrent: number;
  readonly onBatch?: (size: number, durationMs: number) => void;
  /**
   * Failures that say nothing about the items (the database is unreachable): the whole
   * batch, and every item queued behind it, fails at once, instead of each item being tried
   * alone, one pool timeout after another, while the deliveries behind them wait.
   */
  readonly failsWholeBatch?: (error: unknown) => boolean;
}

interface Pending<Item, Result> {
  readonly item: Item;
  readonly resolve: (result: Result) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Natural group commit: an item submitted while the database is idle goes alone, at once;
 * items submitted while batches are in flight wait and go together in the next one. Under
 * load the batch grows and the round trips per item shrink; at rest nothing waits.
 * A failed batch is retried item by item, so one bad item cannot fail its neighbours
 * (unless the failure is the database's, see `failsWholeBatch`).
 */
export class GroupCommit<Item, Result> {
  private readonly queue: Pending<Item, Result>[] = [];
  private running = 0;
  private idleWaiters: Array<() => void> = [];

  constructor(private readonly options: GroupCommitOptions<Item, Result>) {}

  submit(item: Item): Promise<Result> {
    return new Promise<Result>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.flush();
    });
  }

  /** Resolves when nothing is queued or in flight. */
  async drain(): Promise<void> {
    if (this.running === 0 && this.queue.length === 0) return;
    await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  private flush(): void {
    while (this.running < this.options.maxConcurrent && this.queue.length > 0) {
      const batch = this.queue.splice(0, this.options.maxBatch);
      this.running += 1;
      void this.execute(batch).finally(() => {
        this.running -= 1;
        this.flush();
        if (this.running === 0 && this.queue.length === 0) {
          for (const resolve of this.idleWaiters.splice(0)) resolve();
        }
      });
    }
  }

  private async execute(batch: Pending<Item, Result>[]): Promise<void> {
    const startedAt = performance.now();
    try {
      const results = await this.options.run(batch.map((pending) => pending.item));
      this.options.onBatch?.(batch.length, performance.now() - startedAt);
      batch.forEach((pending, index) => pending.resolve(results[index] as Result));
    } catch (error) {
      if (this.options.failsWholeBatch?.(error) === true) {
        // The database is unreachable: the items queued behind this batch would each wait
        // out their own connection timeout for the same answer.
        for (const pending of [...batch, ...this.queue.splice(0)]) pending.reject(error);
        return;
      }
      if (batch.length === 1) {
        batch[0]?.reject(error);
        return;
      }
      for (const pending of batch) {
        await this.options.run([pending.item]).then(
          (results) => pending.resolve(results[0] as Result),
          (itemError: unknown) => pending.reject(itemError),
        );
      }
    }
  }
}
