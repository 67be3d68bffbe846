/**
 * Micro-benchmark of persistence (issue #3): PrismaInferenceStore begin + complete for
 * 256 concurrent requests, with natural group commit (max_batch 200) and one at a time
 * (max_batch 1), both with 4 batches in flight, on a fresh migrated MariaDB database.
 * Reports requests stored per second (each = 1 inference row, 1 session, 2 messages) and
 * the mean batch size.
 */
import { randomBytes } from "node:crypto";
import { agentRequestSchema } from "../../src/core/agent-request.ts";
import type { AgentResponse } from "../../src/core/agent-response.ts";
import { createInferenceStore } from "../../src/store/open-store.ts";
import { applyMigrations } from "../../src/store/migrations/apply-migrations.ts";
import { createBenchDatabase } from "../support/bench-database.ts";
import { warmedClosedLoop } from "./closed-loop.ts";
import { printMicroResult } from "./micro-output.ts";

const concurrency = 256;
const durationMs = Number(process.env.MICRO_PERSIST_MS ?? 3_000);
const tag = randomBytes(3).toString("hex");

function request(id: string) {
  return agentRequestSchema.parse({ request_id: id, model: "bench", messages: [{ role: "user", content: `hello ${id}` }] });
}

function response(id: string): AgentResponse {
  return {
    request_id: id,
    status: "complete",
    finish_reason: "stop",
    message: { role: "assistant", content: `mock answer: hello ${id}` },
    token_usage: { prompt_tokens: 3, completion_tokens: 5 },
    endpoint: "bench",
    provider_model: "bench-model",
    latency_ms: 1,
  };
}

async function measure(databaseUrl: string, variant: string, maxBatch: number) {
  const batches = { count: 0, items: 0 };
  const store = createInferenceStore(databaseUrl, 10, {
    maxBatch,
    maxConcurrentBatches: 4,
    agentCacheTtlMs: 5_000,
    onBatch: (_operation, size) => {
      batches.count += 1;
      batches.items += size;
    },
  });
  let sequence = 0;
  const one = async () => {
    const id = `${variant}-${tag}-${++sequence}`;
    const begun = await store.begin(request(id), { leaseMs: 60_000 });
    if (begun.kind !== "claimed") throw new Error(`${id}: ${begun.kind}`);
    await store.complete({ ticket: begun.ticket, response: response(id), wireForm: "bare", costPerMillion: { input: 0, output: 0 } });
  };
  const { rate, cpuMsPerCall } = await warmedClosedLoop(concurrency, durationMs, one, () => {
    batches.count = 0;
    batches.items = 0;
  });
  await store.close();
  return {
    rate: Math.round(rate),
    meanBatch: batches.count ? Math.round((batches.items / batches.count) * 10) / 10 : 0,
    cpuMsPerRequest: Math.round(cpuMsPerCall * 1_000) / 1_000,
  };
}

const database = await createBenchDatabase(`modelbus_bench_micro_${tag}`);
try {
  await applyMigrations({ databaseUrl: database.url });
  const grouped = await measure(database.url, "group", 200);
  const single = await measure(database.url, "single", 1);
  printMicroResult({
    name: "persistence",
    unit: "requests/s (begin+complete); *_mean_batch in items, *_cpu_ms_per_request in ms of this process",
    results: {
      group_commit_rps: grouped.rate,
      group_commit_mean_batch: grouped.meanBatch,
      group_commit_cpu_ms_per_request: grouped.cpuMsPerRequest,
      one_at_a_time_rps: single.rate,
      one_at_a_time_mean_batch: single.meanBatch,
      one_at_a_time_cpu_ms_per_request: single.cpuMsPerRequest,
      speedup: Math.round((grouped.rate / single.rate) * 100) / 100,
    },
    notes: `${concurrency} concurrent requests, 4 batches in flight, pool of 10; each request writes a claim (MEMORY table, deleted in bulk later), 1 inference, 1 session, 2 messages`,
  });
} finally {
  await database.drop();
}
process.exit(0);
