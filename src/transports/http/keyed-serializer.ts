/**
 * Runs tasks one at a time per key, in arrival order. Session turns use it: two turns of
 * one session at once would both build on the same history (and race for the same message
 * positions), and a retried Idempotency-Key arriving while its first call still runs
 * waits for it and is then answered from the store.
 */
export class KeyedSerializer {
  private readonly tails = new Map<string, Promise<void>>();

  async run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release: () => void = () => undefined;
    const current = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => current);
    this.tails.set(key, tail);
    await previous;
    try {
      return await task();
    } finally {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }

  /** Keys with a task running or waiting (for tests and leak checks). */
  get size(): number {
    return this.tails.size;
  }
}
