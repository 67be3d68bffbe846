import type { SqlInferenceStore as PrismaInferenceStore } from "../../src/store/sql-inference-store.ts";
import { percentileOfSorted, round3 } from "../stats/percentiles.ts";

/**
 * Diagnostic: times modelbus's store calls from the pipeline's side (queueing in the group
 * commit included) by wrapping begin/complete on the running instance. Nothing in src/ changes;
 * the numbers say how much of a request's latency is the store.
 */
export function timeStoreCalls(store: PrismaInferenceStore): (reset: boolean) => Record<string, number> {
  const samples = { begin: [] as number[], complete: [] as number[] };
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
      if (reset) samples[operation] = [];
    }
    return counters;
  };
}
