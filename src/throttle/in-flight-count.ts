/** How many jobs are running, and a way to wait until none is. */
export class InFlightCount {
  private count = 0;
  private idleWaiters: (() => void)[] = [];

  get value(): number {
    return this.count;
  }

  enter(): void {
    this.count++;
  }

  /** One job finished; when it was the last, whoever waits in idle() is woken. */
  leave(): void {
    this.count--;
    if (this.count === 0 && this.idleWaiters.length > 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const wake of waiters) wake();
    }
  }

  /** Resolves when no job is running (at once if none is). */
  idle(): Promise<void> {
    if (this.count === 0) return Promise.resolve();
    return new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }
}
