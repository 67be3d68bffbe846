/**
 * What the store's two steps cost one request at low load, measured one request at a time
 * (paced, as at 200 req/s: every batch holds one item) against this machine's MariaDB:
 *
 * - `round_trip`: `SELECT 1` on a pooled connection: the least any statement costs.
 * - `claim`: modelbus's claim INSERT into the MEMORY claims table (claim-statements.ts).
 * - `durable_commit`: one InnoDB row in its own transaction (START TRANSACTION; INSERT; COMMIT
 *   in one multi-statement query, as the store sends it): what storing an answer durably before
 *   it is published costs at the least, a redo-log flush at COMMIT included
 *   (innodb_flush_log_at_trx_commit is reported beside it).
 * - `store_begin`, `store_complete`: PrismaInferenceStore's own begin and complete for a request
 *   without session or agent, through its group commit; `store_begin_fresh` the begin of one
 *   whose id was made for it (an HTTP request without a client id: no claim is written).
 *
 * The sum of the store's two steps is what store-on adds over store-off on the latency path;
 * `round_trip + durable_commit` is what no design that keeps both round trips can go below,
 * and `durable_commit` what one that skips the claim cannot.
 */
import { randomBytes } from "node:crypto";
import type { AgentRequest } from "../../src/core/agent-request.ts";
import { claimKeyOf, insertClaims } from "../../src/store/claim-statements.ts";
import { sqlDateTime } from "../../src/store/sql-values.ts";
import { summarizeLatencies } from "../stats/percentiles.ts";
import { createBenchDatabase } from "../support/bench-database.ts";
import { openProbeStore } from "../support/probe-store.ts";
import { printMicroResult } from "./micro-output.ts";

const samples = Number(process.env.MICRO_STORE_LATENCY_SAMPLES ?? 1_000);
const paceMs = 5;
const tag = randomBytes(3).toString("hex");
const database = await createBenchDatabase(`modelbus_bench_latency_${tag}`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** `samples` timings of `step`, one at a time, `paceMs` apart, after 100 unmeasured. */
async function timed(step: (index: number) => Promise<unknown>): Promise<number[]> {
  const times: number[] = [];
  for (let index = 0; index < samples + 100; index += 1) {
    const startedAt = performance.now();
    await step(index);
    if (index >= 100) times.push(performance.now() - startedAt);
    await sleep(paceMs);
  }
  return times;
}

try {
  const { store, prisma, sql } = await openProbeStore(database.url);
  const [flush] = await sql.query<{ Value: string }>({ sql: "SHOW VARIABLES LIKE 'innodb_flush_log_at_trx_commit'", values: [] });

  const roundTrip = await timed(() => sql.query({ sql: "SELECT 1", values: [] }));
  const claim = await timed((index) => {
    const requestId = `probe-${tag}-${index}`;
    const leaseUntil = sqlDateTime(new Date(Date.now() + 60_000));
    return sql.execute(insertClaims([{ requestId, claimKey: claimKeyOf(requestId), owner: "probe", leaseUntil, source: null, attempt: 0 }]));
  });
  const commit = await timed((index) =>
    sql.transaction([{ sql: "INSERT INTO durable_probe (id, body) VALUES (?, ?)", values: [`${tag}-${index}`, "mock answer: hello"] }]),
  );

  const begins: number[] = [];
  const freshBegins: number[] = [];
  const completes: number[] = [];
  const cycle = (freshId: boolean, beginTimes: number[]) => async (index: number) => {
    const request: AgentRequest = {
      request_id: `latency-${tag}-${freshId ? "fresh" : "claimed"}-${index}`,
      model: "bench",
      messages: [{ role: "user", content: `hello ${index}` }],
    };
    const startedAt = performance.now();
    const begun = await store.begin(request, { leaseMs: 60_000, freshId });
    const claimedAt = performance.now();
    if (begun.kind !== "claimed") throw new Error(`not claimed: ${begun.kind}`);
    const response = {
      request_id: request.request_id,
      status: "complete" as const,
      finish_reason: "stop",
      message: { role: "assistant" as const, content: `mock answer: hello ${index}` },
      token_usage: { prompt_tokens: 3, completion_tokens: 5, total_tokens: 8 },
    };
    await store.complete({ ticket: begun.ticket, response, wireForm: "bare", costPerMillion: { input: 0, output: 0 } });
    if (index >= 100) {
      beginTimes.push(claimedAt - startedAt);
      if (!freshId) completes.push(performance.now() - claimedAt);
    }
  };
  await timed(cycle(false, begins));
  await timed(cycle(true, freshBegins));
  await store.close();
  await prisma.$disconnect();

  const p50 = (values: number[]) => summarizeLatencies(values).p50;
  const p99 = (values: number[]) => summarizeLatencies(values).p99;
  printMicroResult({
    name: "store-latency",
    unit: `ms per statement, p50 / p99 over ${samples}, one at a time every ${paceMs} ms; innodb_flush_log_at_trx_commit=${flush?.Value ?? "?"}`,
    results: {
      round_trip_p50: p50(roundTrip),
      round_trip_p99: p99(roundTrip),
      claim_p50: p50(claim),
      claim_p99: p99(claim),
      durable_commit_p50: p50(commit),
      durable_commit_p99: p99(commit),
      store_begin_p50: p50(begins),
      store_begin_p99: p99(begins),
      store_begin_fresh_p50: p50(freshBegins),
      store_begin_fresh_p99: p99(freshBegins),
      store_complete_p50: p50(completes),
      store_complete_p99: p99(completes),
    },
  });
} finally {
  await database.drop();
}
