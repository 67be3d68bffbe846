import type { ToolIndexDelta, ToolIndexState } from "./provider-adapter.ts";

function maxIndex(state: ToolIndexState): number {
  let max = -1;
  for (const index of state.calls.keys()) if (index > max) max = index;
  return max;
}

function indexOfId(state: ToolIndexState, id: string): number | undefined {
  for (const [index, call] of state.calls) if (call.id === id) return index;
  return undefined;
}

/**
 * semstreams' inference for providers that may omit `index` (docs/nats-contract.md, "Streaming"): an explicit
 * index wins; else a non-empty id starts a new call at max+1; else the delta continues the
 * last call. One addition: an id already seen maps back to its call, so a provider that
 * repeats the id on every fragment does not split one call into several broken ones.
 */
export function inferToolIndex(delta: ToolIndexDelta, state: ToolIndexState): number {
  if (typeof delta.index === "number") return delta.index;
  if (delta.id) return indexOfId(state, delta.id) ?? maxIndex(state) + 1;
  return Math.max(state.lastIndex, 0);
}

/**
 * Gemini sends every call whole, often without index or id: a delta naming a function while
 * the last call already has a name is a new call, so parallel calls never collapse into one.
 */
export function inferGeminiToolIndex(delta: ToolIndexDelta, state: ToolIndexState): number {
  if (typeof delta.index === "number" || delta.id) return inferToolIndex(delta, state);
  const lastName = state.calls.get(state.lastIndex)?.name;
  if (delta.function?.name && lastName) return maxIndex(state) + 1;
  return Math.max(state.lastIndex, 0);
}
