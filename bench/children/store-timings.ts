import type { SqlInferenceStore as PrismaInferenceStore } from "../../src/store/sql-inference-store.ts";
import { percentileOfSorted, round3 } from "../stats/percentiles.ts";

/**
 * Diagnostic: times modelbus's store calls from the pipeline's side (queueing in the group
 * commit included) by wrapping begin/complete on the running instance. Nothing in src/ changes;
 * the numbers say how much of a request's latency is the store.
 */
export function timeStoreCalls(store: PrismaInferenceStore): (reset: boolean) => Record<string, number> {
  const samples = { begin: [] as number[], complete: [] as number[] };
  const batches = { begin: { count: 0, items: 0 }, complete: { count: 0, items: 0 } };
  // The group commits' own batch callback (private: a diagnostic reaches in, src/ is unchanged).
  const commits = store as unknown as Record<"begins" | "completions", { options: { onBatch?: (size: number, durationMs: number) => void } }>;
  for (const [operation, commit] of [
    ["begin", commits.begins],
    ["complete", commits.completions],
  ] as const) {
    const onBatch = commit.options.onBatch;
    commit.options = {
      ...commit.options,
      onBatch: (size, durationMs) => {
        batches[operation].count += 1;
        batches[operation].items += size;
        onBatch?.(size, durationMs);
      },
    };
  }
  for (const operation of ["begin", "complete"] as const) {
    const original = store[operation].bind(store) as (...args: unknown[]) => Promise<unknown>;
    (store as unknown as Record<string, unknown>)[operation] = async (...args: unknown[]) => {
      const startedAt = performance.now();
      try {
        return await original(...args);
      } finally {
        samples[operation].push(performance.now() - startedAt);
      }
    };
  }
  return (reset) => {
    const counters: Record<string, number> = {};
    for (const operation of ["begin", "complete"] as const) {
      const sorted = [...samples[operation]].sort((a, b) => a - b);
      counters[`store_${operation}_count`] = sorted.length;
      counters[`store_${operation}_p50_ms`] = round3(percentileOfSorted(sorted, 0.5));
      counters[`store_${operation}_p99_ms`] = round3(percentileOfSorted(sorted, 0.99));
      counters[`store_${operation}_batches`] = batches[operation].count;
      counters[`store_${operation}_mean_batch`] = round3(batches[operation].items / Math.max(1, batches[operation].count));
      if (reset) {
        samples[operation] = [];
        batches[operation] = { count: 0, items: 0 };
      }
    }
    return counters;
  };
}
