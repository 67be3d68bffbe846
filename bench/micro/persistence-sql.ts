/**
 * The persistence micro-benchmark's floor: the same statements PrismaInferenceStore runs for
 * a request with no session or agent (begin: the INSERT … SELECT of the claims into the MEMORY
 * table, built by the store's own claim-statements.ts; complete: one transaction with the
 * session upsert, the message rows and the inference row, then the claims' DELETE, which the
 * store defers and batches), with the same GroupCommit (max_batch 200, and 1; 4 in flight) and the same history
 * hashing, sent as hand-written SQL with `?` placeholders two ways: through the `mariadb`
 * driver directly ("driver"), and through Prisma's $executeRawUnsafe / $queryRawUnsafe /
 * $transaction ("prisma_raw"). Against persistence.ts this splits what Prisma's query
 * building costs from what its raw-SQL path costs.
 */
import { randomBytes, randomUUID } from "node:crypto";
import mariadb from "mariadb";
import { claimKeyOf, deleteClaims, insertClaims, type NewClaim } from "../../src/store/claim-statements.ts";
import { createPrismaClient } from "../../src/store/create-prisma-client.ts";
import { extendHistoryHash } from "../../src/store/session-history.ts";
import { GroupCommit } from "../../src/store/group-commit.ts";
import { applyMigrations } from "../../src/store/migrations/apply-migrations.ts";
import { tuples } from "../../src/store/sql-values.ts";
import { sqlDateTime } from "../../src/store/sql-values.ts";
import { createBenchDatabase, serverParts } from "../support/bench-database.ts";
import { warmedClosedLoop } from "./closed-loop.ts";
import { printMicroResult } from "./micro-output.ts";

const concurrency = 256;
const durationMs = Number(process.env.MICRO_PERSIST_MS ?? 3_000);
const tag = randomBytes(3).toString("hex");

/** How the statements reach MariaDB. */
interface SqlTransport {
  query(sql: string, values: readonly unknown[]): Promise<unknown>;
  /** Runs the statements in one transaction, in order. */
  transaction(statements: readonly (readonly [string, unknown[]])[]): Promise<void>;
  close(): Promise<void>;
}

function driverTransport(databaseName: string): SqlTransport {
  const pool = mariadb.createPool({ ...serverParts(), database: databaseName, connectionLimit: 10 });
  return {
    query: (sql, values) => pool.query(sql, values),
    transaction: async (statements) => {
      const connection = await pool.getConnection();
      try {
        await connection.beginTransaction();
        for (const [sql, values] of statements) await connection.query(sql, values);
        await connection.commit();
      } catch (error) {
        await connection.rollback().catch(() => undefined);
        throw error;
      } finally {
        await connection.release();
      }
    },
    close: () => pool.end(),
  };
}

function prismaRawTransport(databaseUrl: string): SqlTransport {
  const prisma = createPrismaClient(databaseUrl, { connectionLimit: 10 });
  return {
    query: (sql, values) => (/^\s*select/i.test(sql) ? prisma.$queryRawUnsafe(sql, ...values) : prisma.$executeRawUnsafe(sql, ...values)),
    transaction: async (statements) => {
      await prisma.$transaction(statements.map(([sql, values]) => prisma.$executeRawUnsafe(sql, ...values)));
    },
    close: () => prisma.$disconnect(),
  };
}

async function measure(transport: SqlTransport, variant: string, maxBatch: number) {
  const batches = { count: 0, items: 0 };
  const onBatch = (size: number) => {
    batches.count += 1;
    batches.items += size;
  };
  const begins = new GroupCommit<string, NewClaim>({
    maxBatch,
    maxConcurrent: 4,
    onBatch,
    run: async (requestIds) => {
      const leaseUntil = sqlDateTime(new Date(Date.now() + 60_000));
      const rows = requestIds.map((requestId) => ({ requestId, claimKey: claimKeyOf(requestId), owner: randomUUID(), leaseUntil, source: null, attempt: 0 }));
      const claim = insertClaims(rows);
      const inserted = (await transport.query(claim.sql, claim.values)) as { affectedRows?: number } | number;
      const count = typeof inserted === "number" ? inserted : Number(inserted.affectedRows);
      if (count !== rows.length) throw new Error(`claimed ${count} of ${rows.length}`);
      return rows;
    },
  });
  const completions = new GroupCommit<{ claim: NewClaim; content: string }, void>({
    maxBatch,
    maxConcurrent: 4,
    onBatch,
    run: async (items) => {
      const at = new Date();
      const writes = items.map(({ claim, content }) => {
        const user = { role: "user" as const, content: `hello ${claim.requestId}` };
        const reply = { role: "assistant" as const, content };
        return { claim, sessionId: randomUUID(), user, reply, hash: extendHistoryHash(extendHistoryHash("", user), reply) };
      });
      await transport.transaction([
        [
          `INSERT INTO sessions (id, agent_id, conversation_id, external_key, parent_session_id, status, message_count, history_hash, created_at, updated_at) VALUES ${tuples(writes.length, 10)}
           ON DUPLICATE KEY UPDATE message_count = VALUES(message_count), history_hash = VALUES(history_hash), updated_at = VALUES(updated_at)`,
          writes.flatMap((write) => [write.sessionId, null, null, null, null, "active", 2, write.hash, at, at]),
        ],
        [
          `INSERT INTO messages (id, session_id, position, role, content, name, tool_calls, tool_call_id, reasoning, model, metadata, created_at) VALUES ${tuples(writes.length * 2, 12)}`,
          writes.flatMap((write) => [
            ...[randomUUID(), write.sessionId, 0, "user", write.user.content, null, null, null, null, null, null, at],
            ...[randomUUID(), write.sessionId, 1, "assistant", write.reply.content, null, null, null, null, "bench-model", null, at],
          ]),
        ],
        [
          `INSERT INTO inferences (id, request_id, session_id, owner, endpoint, provider_model, status, finish_reason,
             prompt_tokens, completion_tokens, cost, retry_count, latency_ms, error_code, error_text, response, wire_form, created_at, completed_at)
           VALUES ${tuples(writes.length, 19)}`,
          writes.flatMap((write) => {
            const response = {
              request_id: write.claim.requestId,
              status: "complete",
              finish_reason: "stop",
              message: write.reply,
              token_usage: { prompt_tokens: 3, completion_tokens: 5 },
            };
            return [
              randomUUID(),
              write.claim.requestId,
              write.sessionId,
              write.claim.owner,
              "bench",
              "bench-model",
              "complete",
              "stop",
              3,
              5,
              0,
              0,
              1,
              null,
              null,
              JSON.stringify(response),
              "bare",
              at,
              at,
            ];
          }),
        ],
      ]);
      const answered = deleteClaims(items.map(({ claim }) => claim.claimKey));
      await transport.query(answered.sql, answered.values);
      return items.map(() => undefined);
    },
  });
  let sequence = 0;
  const one = async () => {
    const requestId = `${variant}-${tag}-${++sequence}`;
    const claim = await begins.submit(requestId);
    await completions.submit({ claim, content: `mock answer: hello ${requestId}` });
  };
  const { rate, cpuMsPerCall } = await warmedClosedLoop(concurrency, durationMs, one, () => {
    batches.count = 0;
    batches.items = 0;
  });
  await Promise.all([begins.drain(), completions.drain()]);
  await transport.close();
  return {
    [`${variant}_rps`]: Math.round(rate),
    [`${variant}_mean_batch`]: batches.count ? Math.round((batches.items / batches.count) * 10) / 10 : 0,
    [`${variant}_cpu_ms_per_request`]: Math.round(cpuMsPerCall * 1_000) / 1_000,
  };
}

const database = await createBenchDatabase(`modelbus_bench_micro_${tag}`);
try {
  await applyMigrations({ databaseUrl: database.url });
  const driver = await measure(driverTransport(database.name), "driver", 200);
  const prismaRaw = await measure(prismaRawTransport(database.url), "prisma_raw", 200);
  // One at a time (max_batch 1): the per-batch cost, which is what a lightly loaded service pays per request.
  const driverSingle = await measure(driverTransport(database.name), "driver_one_at_a_time", 1);
  const prismaRawSingle = await measure(prismaRawTransport(database.url), "prisma_raw_one_at_a_time", 1);
  printMicroResult({
    name: "persistence_sql",
    unit: "requests/s (begin+complete); *_mean_batch in items, *_cpu_ms_per_request in ms of this process",
    results: { ...driver, ...prismaRaw, ...driverSingle, ...prismaRawSingle },
    notes:
      "persistence.ts's statements, batching and hashing as hand-written SQL: through the mariadb driver (the store's floor) and through Prisma's raw-SQL API",
  });
} finally {
  await database.drop();
}
process.exit(0);
