/**
 * Diagnostic (not part of `npm run bench`): what each table of store.complete's transaction adds
 * to one durable commit (its own statements, from complete-batch.ts), one request at a time every 5 ms, the variants interleaved so drift
 * hits them alike. `npx tsx bench/profile/complete-rows.ts` (N=400 samples each by default).
 * probe: one row in a bare table; inference_only / session_inf / full: the inference row, then
 * with its new session, then with the session and two messages (what complete writes for a
 * sessionless request); msgs_inf_after_session: one message and the inference, the session
 * written just before; full_nofk: full without foreign-key checks; select1: one round trip.
 */
import { randomBytes } from "node:crypto";
import { insertInferences, insertMessages, upsertSessions } from "../../src/store/complete-batch.ts";
import { sqlDateTime, tuples } from "../../src/store/sql-values.ts";
import { uuidV7 } from "../../src/store/uuid-v7.ts";
import { summarizeLatencies } from "../stats/percentiles.ts";
import { createBenchDatabase } from "../support/bench-database.ts";
import { openProbeStore } from "../support/probe-store.ts";

const tag = randomBytes(3).toString("hex");
const database = await createBenchDatabase(`modelbus_complete_rows_${tag}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const samples = Number(process.env.N ?? 400);
try {
  const { store, prisma, sql } = await openProbeStore(database.url);
  const response = JSON.stringify({
    request_id: "x".repeat(36),
    status: "complete",
    finish_reason: "stop",
    message: { role: "assistant", content: "mock answer: hello 1" },
    token_usage: { prompt_tokens: 3, completion_tokens: 5, total_tokens: 8 },
  });
  const sessionInsert = (id: string, at: string) => ({
    sql: upsertSessions[0] + tuples(1, 10) + upsertSessions[1],
    values: [id, null, null, null, null, "active", 2, "h".repeat(64), at, at],
  });
  const messagesInsert = (id: string, at: string, n: number) => ({
    sql: insertMessages + tuples(n, 12),
    values: Array.from({ length: n }, (_, i) => [uuidV7(), id, i, i ? "assistant" : "user", "hello there", null, null, null, null, null, null, at]).flat(),
  });
  const inferenceInsert = (id: string | null, at: string) => ({
    sql: insertInferences + tuples(1, 19),
    values: [uuidV7(), `req-${uuidV7()}`, id, "o".repeat(32), "bench", "bench", "complete", "stop", 3, 5, 0, 0, 1, null, null, response, "bare", at, at],
  });
  const variants: Record<string, () => Promise<unknown>> = {
    probe: () => sql.transaction([{ sql: "INSERT INTO durable_probe (id, body) VALUES (?, ?)", values: [uuidV7(), "mock answer: hello"] }]),
    inference_only: () => {
      const at = sqlDateTime(new Date());
      return sql.transaction([inferenceInsert(null, at)]);
    },
    full: () => {
      const at = sqlDateTime(new Date());
      const id = uuidV7();
      return sql.transaction([sessionInsert(id, at), messagesInsert(id, at, 2), inferenceInsert(id, at)]);
    },
    session_inf: () => {
      const at = sqlDateTime(new Date());
      const id = uuidV7();
      return sql.transaction([sessionInsert(id, at), inferenceInsert(id, at)]);
    },
    msgs_inf_after_session: async () => {
      const at = sqlDateTime(new Date());
      const id = uuidV7();
      await sql.execute(sessionInsert(id, at));
      const t = performance.now();
      await sql.transaction([messagesInsert(id, at, 1), inferenceInsert(id, at)]);
      return performance.now() - t;
    },
    full_nofk: () => {
      const at = sqlDateTime(new Date());
      const id = uuidV7();
      return sql.transaction([
        { sql: "SET foreign_key_checks=0", values: [] },
        sessionInsert(id, at),
        messagesInsert(id, at, 2),
        inferenceInsert(id, at),
        { sql: "SET foreign_key_checks=1", values: [] },
      ]);
    },
    select1: () => sql.query({ sql: "SELECT 1", values: [] }),
  };
  const times: Record<string, number[]> = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
  for (let i = 0; i < samples + 50; i++) {
    for (const [name, run] of Object.entries(variants)) {
      const t = performance.now();
      const inner = await run();
      const d = typeof inner === "number" ? inner : performance.now() - t;
      if (i >= 50) times[name]?.push(d);
      await sleep(5);
    }
  }
  for (const [name, t] of Object.entries(times)) {
    const s = summarizeLatencies(t);
    console.log(name.padEnd(18), "p50", s.p50.toFixed(3), "p90", s.p90.toFixed(3), "p99", s.p99.toFixed(3));
  }
  await store.close();
  await prisma.$disconnect();
} finally {
  await database.drop();
}
