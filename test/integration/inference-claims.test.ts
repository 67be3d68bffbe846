/**
 * Claims in the MEMORY table `inference_claims`, on the real MariaDB: what begin and complete
 * do when a request is new, answered, busy elsewhere, abandoned by a dead owner, or claimed
 * twice because the claims were lost (a restart of the database empties a MEMORY table).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { agentRequestSchema } from "../../src/core/agent-request.ts";
import type { AgentResponse } from "../../src/core/agent-response.ts";
import type { BeginOutcome, InferenceTicket } from "../../src/core/inference-store.ts";
import { claimKeyOf } from "../../src/store/claim-statements.ts";
import { ClaimSweeper } from "../../src/store/claim-sweeper.ts";
import { AgentCache } from "../../src/store/agent-cache.ts";
import { beginBatch } from "../../src/store/begin-batch.ts";
import { MariadbSql } from "../../src/store/mariadb-sql.ts";
import { applyMigrations } from "../../src/store/migrations/apply-migrations.ts";
import { createInferenceStore } from "../../src/store/open-store.ts";
import { SqlInferenceStore } from "../../src/store/sql-inference-store.ts";
import { sqlDateTime } from "../../src/store/sql-values.ts";
import { createPrismaClientWithPool } from "../../src/store/create-prisma-client.ts";
import { createTestDatabase, queryTestDatabase, type TestDatabase } from "../support/test-database.ts";

let database: TestDatabase;
let clock = Date.now();
const stores: SqlInferenceStore[] = [];

function openStore(): SqlInferenceStore {
  const store = createInferenceStore(database.url, 4, { maxBatch: 50, maxConcurrentBatches: 2, agentCacheTtlMs: 1_000, now: () => clock });
  stores.push(store);
  return store;
}

beforeAll(async () => {
  database = await createTestDatabase();
  await applyMigrations({ databaseUrl: database.url });
});

afterAll(async () => {
  await Promise.all(stores.map((store) => store.close()));
  await database?.drop();
});

const request = (id: string) => agentRequestSchema.parse({ request_id: id, model: "m", messages: [{ role: "user", content: `hello ${id}` }] });

function answer(id: string, content: string): AgentResponse {
  return {
    request_id: id,
    status: "complete",
    finish_reason: "stop",
    message: { role: "assistant", content },
    token_usage: { prompt_tokens: 1, completion_tokens: 1 },
    endpoint: "main",
    provider_model: "m",
    latency_ms: 1,
  };
}

const complete = (store: SqlInferenceStore, ticket: InferenceTicket, content: string) =>
  store.complete({ ticket, response: answer(ticket.requestId, content), wireForm: "bare", costPerMillion: { input: 0, output: 0 } });

function ticketOf(outcome: BeginOutcome): InferenceTicket {
  if (outcome.kind !== "claimed") throw new Error(`expected a claim, got ${outcome.kind}`);
  return outcome.ticket;
}

async function claimRows(requestId: string) {
  return queryTestDatabase<{ owner: string; lease_until: string }>(database.url, "SELECT owner, lease_until FROM inference_claims WHERE claim_key = UNHEX(?)", [
    claimKeyOf(requestId),
  ]);
}

async function storedRows(requestId: string) {
  return queryTestDatabase<{ id: string; owner: string; response: string }>(database.url, "SELECT id, owner, response FROM inferences WHERE request_id = ?", [
    requestId,
  ]);
}

describe("claims in inference_claims", () => {
  it("claims a new request without writing an inference row, stores the answer, then deletes the claim", async () => {
    const store = openStore();
    const ticket = ticketOf(await store.begin(request("c-new"), { leaseMs: 60_000 }));
    expect(await claimRows("c-new")).toEqual([{ owner: ticket.owner, lease_until: sqlDateTime(new Date(clock + 60_000)) }]);
    expect(await storedRows("c-new")).toEqual([]);

    expect(await complete(store, ticket, "first")).toEqual({ response: answer("c-new", "first"), answeredBefore: false });
    const [row] = await storedRows("c-new");
    expect(row).toMatchObject({ id: ticket.inferenceId, owner: ticket.owner });
    // Answered claims are deleted together, off the request's path.
    await expect.poll(async () => (await claimRows("c-new")).length, { timeout: 2_000 }).toBe(0);

    // Answered now: a new begin finds the stored answer and claims nothing.
    expect(await store.begin(request("c-new"), { leaseMs: 60_000 })).toEqual({ kind: "completed", response: answer("c-new", "first") });
    expect(await claimRows("c-new")).toEqual([]);
  });

  it("claims a request whose id was made for it (freshId) without a claim row, alone or in a batch, and stores its answer", async () => {
    const store = openStore();
    const ticket = ticketOf(await store.begin(request("c-fresh"), { leaseMs: 60_000, freshId: true }));
    expect(await claimRows("c-fresh")).toEqual([]);
    expect(await complete(store, ticket, "fresh")).toEqual({ response: answer("c-fresh", "fresh"), answeredBefore: false });
    expect(await storedRows("c-fresh")).toMatchObject([{ id: ticket.inferenceId, owner: ticket.owner }]);
    await store.release(ticket);

    // In one batch with requests that are claimed: only those get a claim row.
    const sql = new MariadbSql(createPrismaClientWithPool(database.url).pool);
    const agents = new AgentCache(async () => [], 1_000);
    const item = (id: string, fresh: boolean) => ({
      request: request(id),
      leaseMs: 60_000,
      delivery: undefined,
      claimKey: claimKeyOf(id),
      owner: `owner-${id}`,
      fresh,
    });
    const outcomes = await beginBatch(sql, agents, [item("c-fresh-b", true), item("c-claimed-b", false)], () => clock);
    expect(outcomes.map((outcome) => outcome.kind)).toEqual(["claimed", "claimed"]);
    expect(await claimRows("c-fresh-b")).toEqual([]);
    expect(await claimRows("c-claimed-b")).toHaveLength(1);
  });

  it("answers from the store while an answered request's claim is still there", async () => {
    const store = openStore();
    const ticket = ticketOf(await store.begin(request("c-early"), { leaseMs: 60_000 }));
    await complete(store, ticket, "stored");
    // Straight away: the sweeper has not run yet, the claim is there and ours.
    expect((await claimRows("c-early")).map((row) => row.owner)).toEqual([ticket.owner]);
    expect(await store.begin(request("c-early"), { leaseMs: 60_000 })).toEqual({ kind: "completed", response: answer("c-early", "stored") });
  });

  it("reports a request busy while another owner's lease runs, then takes an expired lease over", async () => {
    const first = openStore();
    const second = openStore();
    const held = ticketOf(await first.begin(request("c-busy"), { leaseMs: 5_000 }));
    const busy = await second.begin(request("c-busy"), { leaseMs: 5_000 });
    expect(busy).toEqual({ kind: "busy", retryAfterMs: 5_100 });

    clock += 6_000;
    const taken = ticketOf(await second.begin(request("c-busy"), { leaseMs: 5_000 }));
    expect(taken.owner).not.toBe(held.owner);
    expect((await claimRows("c-busy")).map((row) => row.owner)).toEqual([taken.owner]);
    // The old owner, back from the dead, cannot give away a claim that is no longer its own.
    await first.release(held);
    expect((await claimRows("c-busy")).map((row) => row.owner)).toEqual([taken.owner]);
    await second.release(taken);
    expect(await claimRows("c-busy")).toEqual([]);
  });

  it("claims a request that comes twice in one batch (one statement) once", async () => {
    await withSql(async (sql) => {
      const items = ["o1", "o2", "o3"].map((owner) => ({
        request: request("c-twice"),
        leaseMs: 60_000,
        delivery: undefined,
        claimKey: claimKeyOf("c-twice"),
        owner,
      }));
      const outcomes = await beginBatch(sql, new AgentCache(async () => [], 1_000), items, () => clock);
      expect(outcomes.map((outcome) => outcome.kind)).toEqual(["claimed", "busy", "busy"]);
      expect((await claimRows("c-twice")).map((row) => row.owner)).toEqual(["o1"]);
    });
  });

  it("recognises its own claim when a batch is tried again", async () => {
    await withSql(async (sql) => {
      const item = { request: request("c-retry"), leaseMs: 60_000, delivery: undefined, claimKey: claimKeyOf("c-retry"), owner: "mine" };
      const agents = new AgentCache(async () => [], 1_000);
      expect((await beginBatch(sql, agents, [item], () => clock))[0]?.kind).toBe("claimed");
      // The batch failed after its INSERT (say, a session read): the retry finds the claim it wrote.
      expect((await beginBatch(sql, agents, [item], () => clock))[0]?.kind).toBe("claimed");
      expect((await beginBatch(sql, agents, [{ ...item, owner: "other" }], () => clock))[0]?.kind).toBe("busy");
    });
  });

  it("gives its claim up when begin fails after writing it", async () => {
    await withSql(async (sql) => {
      const { prisma } = createPrismaClientWithPool(database.url, { connectionLimit: 1 });
      const failingSessions = {
        execute: sql.execute.bind(sql),
        transaction: sql.transaction.bind(sql),
        query: <Row>(statement: { sql: string; values: readonly unknown[] }): Promise<Row[]> =>
          statement.sql.includes("FROM sessions") ? Promise.reject(new Error("session read failed")) : sql.query<Row>(statement),
      };
      const store = new SqlInferenceStore(prisma, failingSessions, { maxBatch: 10, maxConcurrentBatches: 1, agentCacheTtlMs: 1_000, now: () => clock });
      try {
        const looped = agentRequestSchema.parse({ request_id: "c-fails", loop_id: "loop-c-fails", model: "m", messages: [{ role: "user", content: "x" }] });
        await expect(store.begin(looped, { leaseMs: 60_000 })).rejects.toMatchObject({ code: "E_STORE_UNAVAILABLE" });
        await expect.poll(async () => (await claimRows("c-fails")).length, { timeout: 2_000 }).toBe(0);
      } finally {
        await store.close();
      }
    });
  });

  it("lets a redelivery of the same message take over the claim an earlier delivery left, under a live lease", async () => {
    const first = openStore();
    const second = openStore();
    // The first delivery's claim reached the server, its reply did not: the delivery was nak'd.
    ticketOf(await first.begin(request("c-mine"), { leaseMs: 60_000, delivery: { source: "AGENT:7", attempt: 1 } }));
    const again = await second.begin(request("c-mine"), { leaseMs: 60_000, delivery: { source: "AGENT:7", attempt: 2 } });
    expect(again.kind).toBe("claimed");
    expect(await claimRows("c-mine")).toEqual([expect.objectContaining({ owner: ticketOf(again).owner })]);
    const [row] = await queryTestDatabase<{ source: string; attempt: number }>(
      database.url,
      "SELECT source, attempt FROM inference_claims WHERE claim_key = UNHEX(?)",
      [claimKeyOf("c-mine")],
    );
    expect({ source: row?.source, attempt: Number(row?.attempt) }).toEqual({ source: "AGENT:7", attempt: 2 });
  });

  it.each([
    ["another message with the same request id", { source: "AGENT:8", attempt: 2 }],
    ["a delivery no later than the claim's", { source: "AGENT:9", attempt: 1 }],
    ["a request from the HTTP door (no delivery)", undefined],
  ])("keeps a live claim busy for %s", async (_name, delivery) => {
    const id = `c-theirs-${delivery?.source ?? "http"}`;
    const first = openStore();
    const second = openStore();
    ticketOf(await first.begin(request(id), { leaseMs: 60_000, delivery: { source: "AGENT:9", attempt: 1 } }));
    expect((await second.begin(request(id), { leaseMs: 60_000, delivery })).kind).toBe("busy");
  });

  it("lets one of two processes take an expired lease over", async () => {
    const first = openStore();
    ticketOf(await first.begin(request("c-race"), { leaseMs: 1_000 }));
    clock += 2_000;
    const [a, b] = await Promise.all([openStore(), openStore()].map((store) => store.begin(request("c-race"), { leaseMs: 1_000 })));
    expect([a?.kind, b?.kind].sort()).toEqual(["busy", "claimed"]);
    const winner = a?.kind === "claimed" ? a : b;
    expect((await claimRows("c-race")).map((row) => row.owner)).toEqual([ticketOf(winner as BeginOutcome).owner]);
  });

  it("tells request ids apart byte for byte: case and trailing spaces make another request", async () => {
    const store = openStore();
    for (const id of ["Case-Id", "case-id", "case-id "]) {
      const ticket = ticketOf(await store.begin(request(id), { leaseMs: 60_000 }));
      expect(await complete(store, ticket, `answer to ${JSON.stringify(id)}`)).toEqual({
        response: answer(id, `answer to ${JSON.stringify(id)}`),
        answeredBefore: false,
      });
    }
    expect(await store.begin(request("case-id"), { leaseMs: 60_000 })).toEqual({ kind: "completed", response: answer("case-id", 'answer to "case-id"') });
  });

  it("publishes the first stored answer when the claims were lost and a second process answered too", async () => {
    const first = openStore();
    const second = openStore();
    const early = ticketOf(await first.begin(request("c-lost"), { leaseMs: 60_000 }));
    // What a restart of the database does to a MEMORY table.
    await queryTestDatabase(database.url, "DELETE FROM inference_claims");
    const late = ticketOf(await second.begin(request("c-lost"), { leaseMs: 60_000 }));

    expect(await complete(second, late, "second")).toEqual({ response: answer("c-lost", "second"), answeredBefore: false });
    expect(await complete(first, early, "first")).toEqual({ response: answer("c-lost", "second"), answeredBefore: true });
    const rows = await storedRows("c-lost");
    expect(rows.map((row) => row.id)).toEqual([late.inferenceId]);
    // Neither outcome left half its rows: one session, two messages.
    const [counts] = await queryTestDatabase<{ sessions: number; messages: number }>(
      database.url,
      "SELECT (SELECT COUNT(*) FROM sessions WHERE id IN (?, ?)) AS sessions, (SELECT COUNT(*) FROM messages WHERE session_id IN (?, ?)) AS messages",
      [sessionOf(early), sessionOf(late), sessionOf(early), sessionOf(late)],
    );
    expect({ sessions: Number(counts?.sessions), messages: Number(counts?.messages) }).toEqual({ sessions: 1, messages: 2 });
  });

  it("treats an outcome written twice by its own claim (a lost reply) as stored", async () => {
    const store = openStore();
    const ticket = ticketOf(await store.begin(request("c-again"), { leaseMs: 60_000 }));
    await complete(store, ticket, "once");
    expect(await complete(store, ticket, "once")).toEqual({ response: answer("c-again", "once"), answeredBefore: false });
    expect(await storedRows("c-again")).toHaveLength(1);
  });

  it("fails begin, loudly, when the claims table is full", async () => {
    const store = openStore();
    // Shrink the table to what 16 KB hold (the smallest MEMORY table) and fill it.
    await queryTestDatabase(
      database.url,
      `SET SESSION max_heap_table_size = 16384; ALTER TABLE inference_claims ENGINE=MEMORY;
       INSERT IGNORE INTO inference_claims (claim_key, owner, lease_until)
         SELECT UNHEX(SHA2(seq, 256)), 'filler', '2999-01-01 00:00:00.000' FROM seq_1_to_100000`,
    ).catch((error: unknown) => expect((error as { errno?: number }).errno).toBe(1114));
    try {
      await expect(store.begin(request("c-full"), { leaseMs: 60_000 })).rejects.toMatchObject({
        code: "E_STORE_UNAVAILABLE",
        message: expect.stringMatching(/inference_claims' is full/),
      });
    } finally {
      await queryTestDatabase(
        database.url,
        "DELETE FROM inference_claims; SET SESSION max_heap_table_size = @@GLOBAL.max_heap_table_size; ALTER TABLE inference_claims ENGINE=MEMORY",
      );
    }
  });
});

async function withSql(run: (sql: MariadbSql) => Promise<void>): Promise<void> {
  const { prisma, pool } = createPrismaClientWithPool(database.url, { connectionLimit: 2 });
  try {
    await run(new MariadbSql(pool));
  } finally {
    await prisma.$disconnect();
  }
}
function sessionOf(ticket: InferenceTicket): string {
  return (ticket as InferenceTicket & { session: { id: string } }).session.id;
}

describe("ClaimSweeper", () => {
  const claim = (id: string, leaseUntil: number) =>
    queryTestDatabase(database.url, "INSERT INTO inference_claims (claim_key, owner, lease_until) VALUES (UNHEX(?), 'o', ?)", [
      claimKeyOf(id),
      sqlDateTime(new Date(leaseUntil)),
    ]);

  it("deletes answered claims together, expired ones on its own interval, and keeps live ones", async () => {
    await withSql(async (sql) => {
      let now = Date.parse("2030-01-01T00:00:00Z");
      const errors: unknown[] = [];
      const sweeper = new ClaimSweeper(sql, { intervalMs: 20, expiredEveryMs: 200, now: () => now, onError: (error) => errors.push(error) });
      try {
        await claim("s-answered-1", now + 60_000);
        await claim("s-answered-2", now + 60_000);
        await claim("s-live", now + 60_000);
        await claim("s-expired", now + 500);

        sweeper.answered(claimKeyOf("s-answered-1"));
        sweeper.answered(claimKeyOf("s-answered-2"));
        await expect.poll(async () => (await claimRows("s-answered-2")).length, { timeout: 2_000 }).toBe(0);
        expect(await claimRows("s-answered-1")).toEqual([]);
        await new Promise((resolve) => setTimeout(resolve, 300));
        expect(await claimRows("s-expired")).toHaveLength(1); // its lease still runs

        // No answers from here on: the interval alone deletes what expired.
        now += 1_000;
        await expect.poll(async () => (await claimRows("s-expired")).length, { timeout: 2_000 }).toBe(0);
        expect(await claimRows("s-live")).toHaveLength(1);
        expect(errors).toEqual([]);
      } finally {
        await sweeper.close();
      }
    });
  });

  it("sweeps expired claims at once when the table is full, and tries a failed DELETE again", async () => {
    await withSql(async (sql) => {
      const now = Date.parse("2030-02-01T00:00:00Z");
      const errors: unknown[] = [];
      let failNext = true;
      const flaky = {
        ...sql,
        query: sql.query.bind(sql),
        transaction: sql.transaction.bind(sql),
        execute: (statement: Parameters<MariadbSql["execute"]>[0]) => {
          if (failNext && statement.sql.startsWith("DELETE FROM inference_claims WHERE claim_key IN")) {
            failNext = false;
            return Promise.reject(new Error("connection lost"));
          }
          return sql.execute(statement);
        },
      };
      const sweeper = new ClaimSweeper(flaky, { intervalMs: 20, expiredEveryMs: 3_600_000, now: () => now, onError: (error) => errors.push(error) });
      try {
        await claim("f-expired", now - 1);
        sweeper.tableFull();
        await expect.poll(async () => (await claimRows("f-expired")).length, { timeout: 2_000 }).toBe(0);

        await claim("f-answered-1", now + 60_000);
        await claim("f-answered-2", now + 60_000);
        sweeper.answered(claimKeyOf("f-answered-1"));
        await expect.poll(() => errors.length, { timeout: 2_000 }).toBe(1);
        expect(await claimRows("f-answered-1")).toHaveLength(1); // the DELETE failed
        sweeper.answered(claimKeyOf("f-answered-2"));
        await expect.poll(async () => (await claimRows("f-answered-1")).length + (await claimRows("f-answered-2")).length, { timeout: 2_000 }).toBe(0);
      } finally {
        await sweeper.close();
      }
    });
  });

  it("deletes what is queued when it closes", async () => {
    await withSql(async (sql) => {
      const sweeper = new ClaimSweeper(sql, { intervalMs: 60_000, expiredEveryMs: 3_600_000, now: Date.now, onError: () => undefined });
      await claim("q-answered", Date.now() + 60_000);
      sweeper.answered(claimKeyOf("q-answered"));
      await sweeper.close();
      expect(await claimRows("q-answered")).toEqual([]);
    });
  });
});
