/**
 * What the mock has seen: recorded chat requests and in-flight counts, overall and per
 * model, with the highest concurrency observed (tests use it to prove max_concurrent).
 */
import type { IncomingHttpHeaders } from "node:http";

export interface RecordedRequest {
  readonly model: string;
  /** The parsed JSON body as received. */
  readonly body: unknown;
  /** Request headers, names lower-cased, repeated values joined with ", ". */
  readonly headers: Readonly<Record<string, string>>;
  /** Date.now() when the body had been read. */
  readonly receivedAt: number;
  /** Date.now() when the response was fully sent; absent while pending or when torn down. */
  respondedAt?: number;
}

export interface MockInFlightStats {
  readonly in_flight: number;
  readonly max_in_flight: number;
  readonly requests: number;
}

export interface MockTrafficStats extends MockInFlightStats {
  readonly by_model: Readonly<Record<string, MockInFlightStats>>;
}

interface Counter {
  inFlight: number;
  maxInFlight: number;
  requests: number;
}

function newCounter(): Counter {
  return { inFlight: 0, maxInFlight: 0, requests: 0 };
}

function flattenHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  return flat;
}

function snapshot(counter: Counter): MockInFlightStats {
  return { in_flight: counter.inFlight, max_in_flight: counter.maxInFlight, requests: counter.requests };
}

export class MockTrafficLog {
  readonly #limit: number;
  #records: RecordedRequest[] = [];
  readonly #total = newCounter();
  readonly #byModel = new Map<string, Counter>();
  readonly #seenModels = new Set<string>();
  #drainWaiters: (() => void)[] = [];

  /** Keeps at most about `limit` records (the oldest are dropped in batches); 0 keeps none. */
  constructor(limit: number) {
    this.#limit = limit;
  }

  /** Counts a request as in flight; the returned callback ends it (only its first call counts). */
  begin(model: string, body: unknown, headers: IncomingHttpHeaders): (responded: boolean) => void {
    const record: RecordedRequest = { model, body, headers: flattenHeaders(headers), receivedAt: Date.now() };
    this.#keep(record);
    this.#seenModels.add(model);
    let counter = this.#byModel.get(model);
    if (counter === undefined) this.#byModel.set(model, (counter = newCounter()));
    const counters = [this.#total, counter];
    for (const c of counters) {
      c.requests += 1;
      c.inFlight += 1;
      if (c.inFlight > c.maxInFlight) c.maxInFlight = c.inFlight;
    }
    let ended = false;
    return (responded) => {
      if (ended) return;
      ended = true;
      if (responded) record.respondedAt = Date.now();
      for (const c of counters) c.inFlight -= 1;
      if (this.#total.inFlight === 0) this.#wakeDrainWaiters();
    };
  }

  /** Resolves once no request is in flight. */
  drained(): Promise<void> {
    if (this.#total.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.#drainWaiters.push(resolve));
  }

  #wakeDrainWaiters(): void {
    const waiters = this.#drainWaiters;
    this.#drainWaiters = [];
    for (const wake of waiters) wake();
  }

  #keep(record: RecordedRequest): void {
    if (this.#limit <= 0) return;
    this.#records.push(record);
    if (this.#records.length > this.#limit) {
      this.#records.splice(0, this.#records.length - this.#limit + Math.ceil(this.#limit / 10));
    }
  }

  get records(): readonly RecordedRequest[] {
    return this.#records.slice();
  }

  recordsFor(model: string): RecordedRequest[] {
    return this.#records.filter((record) => record.model === model);
  }

  get inFlight(): number {
    return this.#total.inFlight;
  }

  maxInFlight(model?: string): number {
    if (model === undefined) return this.#total.maxInFlight;
    return this.#byModel.get(model)?.maxInFlight ?? 0;
  }

  /** Models that sent chat requests since the last clear, in order of first appearance. */
  get models(): string[] {
    return [...this.#seenModels];
  }

  stats(): MockTrafficStats {
    const byModel: Record<string, MockInFlightStats> = {};
    for (const [model, counter] of this.#byModel) byModel[model] = snapshot(counter);
    return { ...snapshot(this.#total), by_model: byModel };
  }

  /** Restarts the maxima (from what is in flight now) and the request counts. */
  resetStats(): void {
    for (const counter of [this.#total, ...this.#byModel.values()]) {
      counter.maxInFlight = counter.inFlight;
      counter.requests = 0;
    }
    for (const [model, counter] of this.#byModel) {
      if (counter.inFlight === 0) this.#byModel.delete(model);
    }
  }

  /** Forgets records and seen models and resets the stats; in-flight counts stay exact. */
  clear(): void {
    this.#records = [];
    this.#seenModels.clear();
    this.resetStats();
  }
}
