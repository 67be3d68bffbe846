/**
 * Does a large database slow the hot path? Two migrated databases: one stays empty, the other
 * is filled with 1 million sessions, 1 million inferences and 5 million messages (MariaDB's
 * SEQUENCE engine, ids shaped as older UUIDv7s so new rows append as they would). Agent-loop
 * turns (the store's begin and complete) are then timed one at a time, every 5 ms as at 200
 * req/s, alternating between the two, so warm-up and the machine's drift fall on both alike.
 * Every SELECT the store sent to the full one is EXPLAINed there: each must use an index.
 *
 * Not part of `npm run bench` (the fill takes minutes and about 3 GB of disk): run it alone with
 * `npx tsx bench/micro/large-database.ts` (MICRO_LARGE_ROWS scales the fill, default 1,000,000).
 */
import { randomBytes } from "node:crypto";
import type { AgentRequest } from "../../src/core/agent-request.ts";
import { createPrismaClientWithPool } from "../../src/store/create-prisma-client.ts";
import { MariadbSql } from "../../src/store/mariadb-sql.ts";
import { applyMigrations } from "../../src/store/migrations/apply-migrations.ts";
import { SqlInferenceStore as PrismaInferenceStore } from "../../src/store/sql-inference-store.ts";
import type { SqlPort, SqlStatement } from "../../src/store/sql-port.ts";
import { summarizeLatencies } from "../stats/percentiles.ts";
import { createBenchDatabase } from "../support/bench-database.ts";
import { printMicroResult } from "./micro-output.ts";

const rows = Number(process.env.MICRO_LARGE_ROWS ?? 1_000_000);
const turns = 600;
const tag = randomBytes(3).toString("hex");
const emptyDatabase = await createBenchDatabase(`modelbus_bench_large_${tag}_empty`);
const database = await createBenchDatabase(`modelbus_bench_large_${tag}`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The store's SQL port, keeping the SELECTs it sends (to EXPLAIN them afterwards). */
class RecordingSql implements SqlPort {
  readonly selects = new Map<string, SqlStatement>();
  constructor(private readonly inner: SqlPort) {}
  execute(statement: SqlStatement) {
    return this.inner.execute(statement);
  }
  query<Row>(statement: SqlStatement) {
    if (/^\s*select/i.test(statement.sql)) this.selects.set(statement.sql, statement);
    return this.inner.query<Row>(statement);
  }
  transaction(statements: readonly SqlStatement[]) {
    return this.inner.transaction(statements);
  }
}

/** Loop turns one at a time, alternating between the stores: a new loop's first turn, then its second (its session loaded by loop_id). */
async function timeTurns(stores: readonly PrismaInferenceStore[]): Promise<number[][]> {
  const times: number[][] = stores.map(() => []);
  for (let step = 0; step < turns * stores.length; step += 1) {
    const which = step % stores.length;
    const store = stores[which] as PrismaInferenceStore;
    const index = Math.floor(step / stores.length);
    const loop = `turn-${tag}-${Math.floor(index / 2)}`;
    const messages = [{ role: "user" as const, content: `question of ${loop}` }];
    if (index % 2 === 1) messages.push({ role: "assistant", content: `mock answer: question of ${loop}` } as never, { role: "user", content: "and then?" });
    const request: AgentRequest = { request_id: `${loop}-${index % 2}`, loop_id: loop, model: "bench", messages };
    const startedAt = performance.now();
    const begun = await store.begin(request, { leaseMs: 60_000 });
    if (begun.kind !== "claimed") throw new Error(`not claimed: ${begun.kind}`);
    const response = {
      request_id: request.request_id,
      status: "complete" as const,
      finish_reason: "stop",
      message: { role: "assistant" as const, content: `mock answer: ${messages[0]?.content}` },
      token_usage: { prompt_tokens: 3, completion_tokens: 5 },
    };
    await store.complete({ ticket: begun.ticket, response, wireForm: "bare", costPerMillion: { input: 0, output: 0 } });
    if (index >= 100) times[which]?.push(performance.now() - startedAt);
    await sleep(5);
  }
  return times;
}

/** Ids that sort before today's UUIDv7s, as older rows' would. */
const oldId = (prefix: string) => `CONCAT('00000000-${prefix}-7000-8000-', LPAD(HEX(seq), 12, '0'))`;

const storeOptions = { maxBatch: 200, maxConcurrentBatches: 4, agentCacheTtlMs: 60_000 };

try {
  await applyMigrations({ databaseUrl: emptyDatabase.url });
  await applyMigrations({ databaseUrl: database.url });
  const emptyClient = createPrismaClientWithPool(emptyDatabase.url, { connectionLimit: 10 });
  const emptyStore = new PrismaInferenceStore(emptyClient.prisma, new MariadbSql(emptyClient.pool), storeOptions);
  const { prisma, pool } = createPrismaClientWithPool(database.url, { connectionLimit: 10 });
  const sql = new RecordingSql(new MariadbSql(pool));
  const store = new PrismaInferenceStore(prisma, sql, storeOptions);

  const fillStartedAt = performance.now();
  const raw = new MariadbSql(pool);
  const fill = async (statement: string) => raw.execute({ sql: statement, values: [] });
  const sequence = `seq_1_to_${rows}`;
  await fill(
    `INSERT INTO sessions (id, external_key, status, message_count, history_hash, created_at, updated_at)
     SELECT ${oldId("0001")}, CONCAT('fill-loop-', seq), 'active', 5, REPEAT('a', 64), NOW(3) - INTERVAL seq SECOND, NOW(3) - INTERVAL seq SECOND FROM ${sequence}`,
  );
  for (let position = 0; position < 5; position += 1) {
    await fill(
      `INSERT INTO messages (id, session_id, position, role, content, created_at)
       SELECT CONCAT('00000000-000${2 + position}-7000-8000-', LPAD(HEX(seq), 12, '0')), ${oldId("0001")}, ${position}, IF(${position} % 2 = 0, 'user', 'assistant'),
              CONCAT('filled message ', seq, ' ', REPEAT('x', 200)), NOW(3) - INTERVAL seq SECOND FROM ${sequence}`,
    );
  }
  await fill(
    `INSERT INTO inferences (id, request_id, session_id, owner, endpoint, provider_model, status, finish_reason, prompt_tokens, completion_tokens, response, wire_form, created_at, completed_at)
     SELECT ${oldId("0009")}, CAST(CONCAT('fill-request-', seq) AS BINARY), ${oldId("0001")}, 'fill', 'bench', 'bench-model', 'complete', 'stop', 3, 5,
            JSON_OBJECT('request_id', CONCAT('fill-request-', seq), 'status', 'complete'), 'bare', NOW(3) - INTERVAL seq SECOND, NOW(3) - INTERVAL seq SECOND FROM ${sequence}`,
  );
  await fill("ANALYZE TABLE sessions, messages, inferences");
  const fillSeconds = Math.round((performance.now() - fillStartedAt) / 1_000);

  sql.selects.clear();
  const [empty = [], full = []] = await timeTurns([emptyStore, store]);
  const plans: string[] = [];
  let scans = 0;
  for (const statement of sql.selects.values()) {
    const explained = await raw.query<{ table: string; type: string; key: string | null; rows: number }>({
      sql: `EXPLAIN ${statement.sql}`,
      values: [...statement.values],
    });
    for (const row of explained) {
      if (row.type === "ALL" && row.table !== "inference_claims") scans += 1;
      plans.push(`${row.table}:${row.type}:${row.key ?? "-"}:${row.rows}`);
    }
  }
  await store.close();
  await emptyStore.close();

  const emptySummary = summarizeLatencies(empty);
  const fullSummary = summarizeLatencies(full);
  process.stderr.write(`  plans (table:type:key:rows): ${plans.join("  ")}\n`);
  printMicroResult({
    name: "large-database",
    unit: `ms per turn (begin + complete), one at a time every 5 ms, ${turns - 100} turns; filled with ${rows} sessions, ${rows} inferences, ${5 * rows} messages in ${fillSeconds} s`,
    results: {
      empty_p50: emptySummary.p50,
      empty_p99: emptySummary.p99,
      full_p50: fullSummary.p50,
      full_p99: fullSummary.p99,
      p50_ratio: Math.round((fullSummary.p50 / emptySummary.p50) * 1_000) / 1_000,
      selects_explained: sql.selects.size,
      full_scans: scans,
    },
  });
} finally {
  await database.drop();
  await emptyDatabase.drop();
}
