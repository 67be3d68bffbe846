/**
 * Each endpoint's recent latency and error rate, in memory and per process, for GET
 * /v1/endpoints and the operator console: what Prometheus would tell over `rate()` and
 * `histogram_quantile()`, for an operator without Prometheus at hand.
 *
 * The window is cut into slots of `slotMs`; each slot keeps a count, an error count and a
 * histogram of latencies in logarithmic bins (each about 5 % wider than the one before), so a
 * record is a few array writes whatever the traffic, and a quantile is read to within a bin.
 */

/** The window GET /v1/endpoints reports over: the last five minutes. */
export const endpointWindowMs = 300_000;
const slotMs = 10_000;
const slotCount = endpointWindowMs / slotMs;
const growth = 1.05;
/** Latencies from 0 to about ten minutes; anything longer lands in the last bin. */
const binCount = Math.ceil(Math.log(600_001) / Math.log(growth)) + 1;

interface Slot {
  /** Which slot of time it holds (ms / slotMs); a slot whose epoch is out of the window is stale. */
  epoch: number;
  calls: number;
  errors: number;
  readonly bins: Uint32Array;
}

export interface EndpointWindowView {
  readonly window_seconds: number;
  readonly calls: number;
  readonly errors: number;
  /** errors / calls, 0..1; null without calls. */
  readonly error_rate: number | null;
  readonly p50_ms: number | null;
  readonly p99_ms: number | null;
}

const binOf = (latencyMs: number) => Math.min(binCount - 1, Math.floor(Math.log(Math.max(0, latencyMs) + 1) / Math.log(growth)));
/** The middle of a bin, in milliseconds (bin b holds latencies from growth^b - 1 to growth^(b+1) - 1). */
const binMiddleMs = (bin: number) => (growth ** bin + growth ** (bin + 1)) / 2 - 1;

export class EndpointWindowStats {
  readonly #slots = new Map<string, Slot[]>();

  constructor(private readonly now: () => number = Date.now) {}

  /** One answered request: how long it took and whether it was an error response. */
  record(endpoint: string, latencyMs: number, failed: boolean): void {
    const epoch = Math.floor(this.now() / slotMs);
    let slots = this.#slots.get(endpoint);
    if (slots === undefined) {
      slots = Array.from({ length: slotCount }, () => ({ epoch: -1, calls: 0, errors: 0, bins: new Uint32Array(binCount) }));
      this.#slots.set(endpoint, slots);
    }
    const slot = slots[epoch % slotCount] as Slot;
    if (slot.epoch !== epoch) {
      slot.epoch = epoch;
      slot.calls = 0;
      slot.errors = 0;
      slot.bins.fill(0);
    }
    slot.calls += 1;
    if (failed) slot.errors += 1;
    (slot.bins[binOf(latencyMs)] as number) += 1;
  }

  /** The endpoint's last five minutes (the slot under way included). */
  view(endpoint: string): EndpointWindowView {
    const epoch = Math.floor(this.now() / slotMs);
    const live = (this.#slots.get(endpoint) ?? []).filter((slot) => slot.epoch > epoch - slotCount && slot.epoch <= epoch);
    const calls = live.reduce((sum, slot) => sum + slot.calls, 0);
    const errors = live.reduce((sum, slot) => sum + slot.errors, 0);
    const merged = new Uint32Array(binCount);
    for (const slot of live) for (let bin = 0; bin < binCount; bin++) (merged[bin] as number) += slot.bins[bin] as number;
    const quantile = (q: number): number | null => {
      if (calls === 0) return null;
      const rank = Math.ceil(q * calls);
      let seen = 0;
      for (let bin = 0; bin < binCount; bin++) {
        seen += merged[bin] as number;
        if (seen >= rank) return Math.round(binMiddleMs(bin));
      }
      return null;
    };
    return {
      window_seconds: endpointWindowMs / 1_000,
      calls,
      errors,
      error_rate: calls === 0 ? null : errors / calls,
      p50_ms: quantile(0.5),
      p99_ms: quantile(0.99),
    };
  }
}
