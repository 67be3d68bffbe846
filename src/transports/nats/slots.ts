/** A counting semaphore: bounds how many deliveries one process works on at once. */
export class Slots {
  private used = 0;
  private readonly waiters: Array<() => void> = [];

  constructor(private readonly capacity: number) {}

  get inUse(): number {
    return this.used;
  }

  async acquire(): Promise<void> {
    if (this.used < this.capacity) {
      this.used += 1;
      return;
    }
    await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  release(): void {
    const next = this.waiters.shift();
    if (next) next();
    else this.used -= 1;
  }

  /** Resolves when every slot is free again. */
  async idle(): Promise<void> {
    while (this.used > 0) await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
