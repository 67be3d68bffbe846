/**
 * What the fault suite (test/integration/fault-suite.test.ts) measures of each run of a fault,
 * the same for every fault: no request lost, none answered twice, no duplicate inference rows,
 * and how long each answer took after the fault ended. `npm run faults -- --repeats N`
 * (scripts/run-faults.ts) runs the suite N times per fault and tabulates these records.
 */
import { appendFileSync } from "node:fs";
import type { Subscription } from "@nats-io/transport-node";
import { expect } from "vitest";
import { decodeResponse } from "../../src/transports/nats/encode-response.ts";
import { queryTestDatabase } from "./test-database.ts";
import type { TestOrchestrator } from "./test-service.ts";

export interface FaultRun {
  readonly fault: string;
  readonly repeat: number;
  readonly requests: number;
  /** Requests with no response at all when the run gave up waiting. */
  readonly lost: number;
  /** Requests with more than one response in the stream. */
  readonly answeredTwice: number;
  /** Requests with more than one inference row (0 when the fault runs without a store). */
  readonly duplicateRows: number;
  /** ms from the fault's end to each answer (negative: answered before it ended). */
  readonly afterEndP50Ms: number;
  readonly afterEndMaxMs: number;
  /** The bar for afterEndMaxMs. */
  readonly boundMs: number;
}

/** Repeats per fault: FAULT_REPEATS (the script sets it), else what fits the CI budget. */
export function faultRepeats(ciDefault: number): number {
  const wanted = Number(process.env.FAULT_REPEATS);
  return Number.isInteger(wanted) && wanted > 0 ? wanted : ciDefault;
}

/** Appends the run to FAULT_RESULTS_FILE (one JSON object per line) when the script asked for it. */
export function recordFaultRun(run: FaultRun): void {
  const file = process.env.FAULT_RESULTS_FILE;
  if (file) appendFileSync(file, `${JSON.stringify(run)}\n`);
}

/** When each request's first answer arrived, read off the response subjects as it is published. */
export class AnswerClock {
  readonly firstAt = new Map<string, number>();
  private constructor(private readonly subscription: Subscription) {}

  static async watch(orchestrator: TestOrchestrator): Promise<AnswerClock> {
    const subscription = orchestrator.nats.subscribe(`${orchestrator.prefix}.response.>`);
    const clock = new AnswerClock(subscription);
    void (async () => {
      for await (const message of subscription) {
        const id = decodeResponse(message.data)?.request_id;
        if (id !== undefined && !clock.firstAt.has(id)) clock.firstAt.set(id, Date.now());
      }
    })();
    await orchestrator.nats.flush();
    return clock;
  }

  stop(): void {
    this.subscription.unsubscribe();
  }
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((left, right) => left - right);
  return sorted.length === 0 ? 0 : (sorted[Math.floor((sorted.length - 1) / 2)] as number);
}

/**
 * Counts what the run left, records it, and asserts the suite's bar: nothing lost, nothing
 * answered twice, no duplicate rows, and every answer within `maxAfterEndMs` of the fault's end.
 */
export async function judgeFaultRun(options: {
  readonly fault: string;
  readonly repeat: number;
  readonly orchestrator: TestOrchestrator;
  readonly clock: AnswerClock;
  readonly ids: readonly string[];
  readonly faultEndedAt: number;
  readonly maxAfterEndMs: number;
  readonly databaseUrl?: string | undefined;
}): Promise<FaultRun> {
  const { orchestrator, ids, clock } = options;
  const counts = await Promise.all(ids.map((id) => orchestrator.responseCount(id)));
  const lost = counts.filter((count) => count === 0).length;
  const answeredTwice = counts.filter((count) => count > 1).length;
  let duplicateRows = 0;
  if (options.databaseUrl) {
    const rows = await queryTestDatabase<{ n: number }>(
      options.databaseUrl,
      `SELECT COUNT(*) AS n FROM inferences WHERE request_id IN (${ids.map(() => "?").join(",")}) GROUP BY request_id HAVING COUNT(*) > 1`,
      ids,
    );
    duplicateRows = rows.length;
  }
  const after = ids.flatMap((id) => {
    const at = clock.firstAt.get(id);
    return at === undefined ? [] : [at - options.faultEndedAt];
  });
  const run: FaultRun = {
    fault: options.fault,
    repeat: options.repeat,
    requests: ids.length,
    lost,
    answeredTwice,
    duplicateRows,
    afterEndP50Ms: median(after),
    afterEndMaxMs: after.length === 0 ? 0 : Math.max(...after),
    boundMs: options.maxAfterEndMs,
  };
  recordFaultRun(run);
  expect({ lost, answeredTwice, duplicateRows }, `${options.fault} #${options.repeat}`).toEqual({ lost: 0, answeredTwice: 0, duplicateRows: 0 });
  expect(run.afterEndMaxMs, `${options.fault} #${options.repeat}: slowest answer after the fault ended`).toBeLessThanOrEqual(options.maxAfterEndMs);
  return run;
}
