/** FIFO queues of scripted behaviours, one per model plus the wildcard "*". */
import type { MockBehaviour } from "./mock-behaviour.ts";

export class MockBehaviourQueue {
  readonly #queues = new Map<string, MockBehaviour[]>();

  enqueue(model: string, behaviours: readonly MockBehaviour[]): void {
    if (behaviours.length === 0) return;
    const queue = this.#queues.get(model);
    if (queue === undefined) this.#queues.set(model, [...behaviours]);
    else queue.push(...behaviours);
  }

  /** The next behaviour for `model`: its own queue first, then the "*" queue. */
  take(model: string): MockBehaviour | undefined {
    if (this.#queues.size === 0) return undefined;
    return this.#shift(model) ?? this.#shift("*");
  }

  #shift(key: string): MockBehaviour | undefined {
    const queue = this.#queues.get(key);
    if (queue === undefined) return undefined;
    const next = queue.shift();
    if (queue.length === 0) this.#queues.delete(key);
    return next;
  }

  /** Queue lengths by model key. */
  pending(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const [key, queue] of this.#queues) counts[key] = queue.length;
    return counts;
  }

  clear(): void {
    this.#queues.clear();
  }
}
