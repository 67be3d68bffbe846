/**
 * Every migration and every statement modelbus sends is valid on MySQL 8 as well as MariaDB.
 * Only MariaDB runs here, so the statements are taken from the server's general log while a
 * workload goes through every store path (migrate, status, both doors, the catalog, sessions,
 * idempotency keys, claims busy, taken over, released and swept, retention), then parsed with a MySQL
 * grammar and checked against the constructs MySQL 8 lacks (test/support/mysql8-grammar.ts).
 * The SQL literals in src/store must all be among what was captured, so a new statement that
 * no workload step sends fails here until one does.
 */
import { randomBytes } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { Writable } from "node:stream";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { agentRequestSchema } from "../../src/core/agent-request.ts";
import type { Service } from "../../src/main.ts";
import { applyMigrations } from "../../src/store/migrations/apply-migrations.ts";
import { defaultMigrationsDir, listMigrations } from "../../src/store/migrations/migration-files.ts";
import { migrationStatus } from "../../src/store/migrations/migration-status.ts";
import { ClaimSweeper } from "../../src/store/claim-sweeper.ts";
import { createPrismaClientWithPool } from "../../src/store/create-prisma-client.ts";
import { MariadbSql } from "../../src/store/mariadb-sql.ts";
import { createInferenceStore, openStore } from "../../src/store/open-store.ts";
import { createLogger } from "../../src/observability/logger.ts";
import { storeSchema } from "../../src/config/config-schema.ts";
import { sqlEngineOf, unsupportedEngine } from "../../src/store/sql-engine.ts";
import { HttpTestClient, httpTestConfig, startHttpTestService } from "../support/http-test-service.ts";
import { capturedStatements, mysql8Problem, sentBy, sqlLiteralsIn, sqlStatements } from "../support/mysql8-grammar.ts";
import { baseDatabaseUrl, queryTestDatabase, testDatabaseUrl } from "../support/test-database.ts";
import { TestOrchestrator, uniqueNames, userRequest } from "../support/test-service.ts";

const databaseName = `modelbus_test_${randomBytes(6).toString("hex")}`;
const databaseUrl = testDatabaseUrl(databaseName);
let statements: string[] = [];

/** Statements the workload cannot make the store send on this server, and why; each is still parsed as written. */
const notSentHere = new Set([
  // Only where the server's or the account's sql_mode has NO_BACKSLASH_ESCAPES (mariadb-sql.test.ts sends it).
  "SET SESSION sql_mode = TRIM(BOTH ',' FROM REPLACE(CONCAT(',', @@SESSION.sql_mode, ','), ',NO_BACKSLASH_ESCAPES,', ','))",
  // Only when a migration fails, to record its error (migrations.test.ts fails one on purpose).
  "UPDATE ${table} SET logs = ? WHERE id = ?",
]);

async function sqlFiles(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { recursive: true, withFileTypes: true });
  return entries.filter((entry) => entry.isFile() && entry.name.endsWith(".ts")).map((entry) => join(entry.parentPath, entry.name));
}

/** Both doors, the catalog and the session routes, through a whole service. */
async function serviceWorkload(): Promise<void> {
  const names = uniqueNames();
  const service: Service = await startHttpTestService(httpTestConfig(names, { http: { idempotency_ttl: "1s" } }), { databaseUrl });
  const orchestrator = await TestOrchestrator.connect(names);
  try {
    const client = new HttpTestClient(service.httpUrl);
    expect((await orchestrator.send(userRequest("sql-nats", "main", "over NATS"))).status).toBe("complete");
    expect(
      (
        await orchestrator.send(
          userRequest("sql-nats-session", "main", "with a session", {
            session_id: "0b6f1c0e-5d8b-4c61-9d1e-111111111111",
            conversation_id: "0b6f1c0e-5d8b-4c61-9d1e-222222222222",
          }),
        )
      ).status,
    ).toBe("complete");
    expect((await client.post("/v1/chat/completions", { model: "main", messages: [{ role: "user", content: "over HTTP" }] })).status).toBe(200);
    const keyed = { headers: { "x-request-id": "sql-http-id" } };
    for (let round = 0; round < 2; round++) {
      expect((await client.post("/v1/chat/completions", { model: "main", messages: [{ role: "user", content: "keyed" }] }, keyed)).status).toBe(200);
    }
    expect((await client.get("/readyz")).status).toBe(200);

    const agent = await client.post("/v1/agents", {
      key: "sql-tutor",
      display_name: "Tutor",
      system_prompt: "Teach.",
      default_model: "main",
      temperature: 0.3,
    });
    expect(agent.status).toBe(201);
    expect((await client.get("/v1/agents?limit=5")).status).toBe(200);
    expect((await client.get(`/v1/agents/${agent.body.id}`)).status).toBe(200);
    expect((await client.patch(`/v1/agents/${agent.body.id}`, { display_name: "Tutor 2" })).status).toBe(200);
    const conversation = await client.post("/v1/conversations", { agent: "sql-tutor", title: "SQL" });
    expect(conversation.status).toBe(201);
    expect((await client.get("/v1/conversations?limit=5")).status).toBe(200);
    expect((await client.get(`/v1/conversations/${conversation.body.id}`)).status).toBe(200);
    const session = await client.post("/v1/sessions", { agent: "sql-tutor", conversation_id: conversation.body.id });
    expect(session.status).toBe(201);
    const turn = (text: string, headers: Record<string, string> = {}) =>
      client.post(`/v1/sessions/${session.body.id}/messages`, { content: text }, { headers });
    expect((await turn("first turn")).status).toBe(200);
    expect((await turn("second turn")).status).toBe(200);
    expect((await turn("keyed turn", { "idempotency-key": "k1" })).status).toBe(200);
    expect((await turn("keyed turn", { "idempotency-key": "k1" })).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    // Past the TTL: the key's old row is renamed away and the key answers anew.
    expect((await turn("keyed turn", { "idempotency-key": "k1" })).status).toBe(200);
    expect((await client.get(`/v1/sessions/${session.body.id}`)).status).toBe(200);
    expect((await client.get(`/v1/sessions/${session.body.id}/messages?limit=50`)).status).toBe(200);
    expect((await client.get(`/v1/sessions/${session.body.id}/transcript`)).status).toBe(200);
    expect((await client.get(`/v1/conversations/${conversation.body.id}/sessions`)).status).toBe(200);
    expect((await client.get(`/v1/conversations/${conversation.body.id}/transcript`)).status).toBe(200);
    // The operator's list of inferences: a plain page, then a filtered one and the page after it.
    const inferences = await client.get("/v1/inferences?limit=2");
    expect(inferences.body.next_cursor).toEqual(expect.any(String));
    expect((await client.get(`/v1/inferences?limit=2&cursor=${inferences.body.next_cursor}`)).status).toBe(200);
    const filtered = await client.get("/v1/inferences?status=complete&endpoint=main&agent=sql-tutor&loop=sql-loop&limit=1");
    expect(filtered.status).toBe(200);
    expect((await client.get(`/v1/inferences?status=error&limit=1&cursor=${inferences.body.next_cursor}`)).status).toBe(200);
    expect((await client.delete(`/v1/agents/${agent.body.id}`)).status).toBe(204);
  } finally {
    await orchestrator.close();
    await service.stop();
  }
}

/** Claims busy in another process, taken over after the lease, given back, and swept when expired. */
async function claimWorkload(): Promise<void> {
  let clock = Date.now();
  const options = { maxBatch: 10, maxConcurrentBatches: 1, agentCacheTtlMs: 1_000, now: () => clock };
  const first = createInferenceStore(databaseUrl, 2, options);
  const second = createInferenceStore(databaseUrl, 2, options);
  try {
    const request = (id: string) => agentRequestSchema.parse({ request_id: id, model: "m", messages: [{ role: "user", content: "hi" }] });
    expect((await first.begin(request("sql-claim"), { leaseMs: 1_000 })).kind).toBe("claimed");
    expect((await second.begin(request("sql-claim"), { leaseMs: 1_000 })).kind).toBe("busy");
    clock += 2_000;
    const taken = await second.begin(request("sql-claim"), { leaseMs: 1_000, delivery: { source: "AGENT:7", attempt: 2 } });
    expect(taken.kind).toBe("claimed");
    if (taken.kind === "claimed") await second.release(taken.ticket);
    expect((await first.begin(request("sql-expiring"), { leaseMs: 1_000 })).kind).toBe("claimed");
    // Retention, last: a cutoff after everything the workload wrote sends every purge statement.
    const future = new Date(Date.now() + 86_400_000);
    const counted = await first.purge({ cutoff: future, batchSize: 2, pauseMs: 0, dryRun: true });
    expect(counted.sessions).toBeGreaterThan(0);
    expect(await first.purge({ cutoff: future, batchSize: 2, pauseMs: 0, dryRun: false })).toEqual(counted);
    // The store sweeps expired claims once a minute; a sweeper of its own does it at once
    // (checked after the capture, so the check's own query is not taken for the store's).
    const { prisma, pool } = createPrismaClientWithPool(databaseUrl, { connectionLimit: 1 });
    const sweeper = new ClaimSweeper(new MariadbSql(pool), { intervalMs: 20, expiredEveryMs: 3_600_000, now: () => clock + 120_000, onError: () => undefined });
    sweeper.tableFull();
    await sweeper.close();
    await prisma.$disconnect();
  } finally {
    await Promise.all([first.close(), second.close()]);
  }
}

beforeAll(async () => {
  statements = await capturedStatements(databaseName, async () => {
    await applyMigrations({ databaseUrl });
    await applyMigrations({ databaseUrl });
    expect((await migrationStatus({ databaseUrl })).upToDate).toBe(true);
    await serviceWorkload();
    await claimWorkload();
  });
}, 60_000);

afterAll(async () => {
  await queryTestDatabase(baseDatabaseUrl, `DROP DATABASE IF EXISTS \`${databaseName}\``).catch(() => undefined);
});

describe("SQL valid on MySQL 8 as on MariaDB", () => {
  it("parses every statement of every migration with a MySQL grammar, and none uses what MySQL 8 lacks", async () => {
    const migrations = await listMigrations(defaultMigrationsDir);
    expect(migrations.length).toBeGreaterThan(0);
    const problems = migrations.flatMap((migration) =>
      sqlStatements(migration.script).flatMap((statement) => {
        const problem = mysql8Problem(statement);
        return problem === undefined ? [] : [`${migration.name}: ${statement.slice(0, 120)} → ${problem}`];
      }),
    );
    expect(problems).toEqual([]);
  });

  it("parses every statement the store sent during the workload, Prisma's included", () => {
    expect(statements.length).toBeGreaterThan(50);
    const distinct = [...new Set(statements)];
    const problems = distinct.flatMap((statement) => {
      const problem = mysql8Problem(statement);
      return problem === undefined ? [] : [`${statement.slice(0, 160)} → ${problem}`];
    });
    expect(problems).toEqual([]);
  });

  it("checks every SQL statement written in src/store, and saw each sent, so the check above covers them all", async () => {
    const literals = await sqlLiteralsIn(await sqlFiles("src/store"));
    expect(literals.length).toBeGreaterThan(20);
    for (const sql of notSentHere) expect(mysql8Problem(sql.replace("${table}", "_prisma_migrations")), sql).toBeUndefined();
    const unsent = literals.filter((literal) => !notSentHere.has(literal.text) && !sentBy(literal, statements)).map(({ file, text }) => ({ file, text }));
    expect(unsent).toEqual([]);
    // The matching is not vacuous: SQL nobody sent is not found, short literals must be whole statements.
    const [probe] = await sqlLiteralsIn(["test/fixtures/migrations/unsent-sql.ts"]);
    expect(probe && sentBy(probe, statements)).toBe(false);
  });

  it("ran a workload that left nothing behind: the expired claims were swept", async () => {
    expect(await queryTestDatabase(databaseUrl, "SELECT 1 FROM inference_claims")).toEqual([]);
  });

  it("catches the MariaDB-only SQL it is there to catch", () => {
    for (const statement of [
      "ALTER TABLE `inferences` MODIFY `request_id` VARCHAR(191) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL",
      "INSERT INTO t (a) VALUES (1) RETURNING id",
      "DELETE FROM t WHERE a = 1 RETURNING a",
      "ALTER TABLE t ADD COLUMN IF NOT EXISTS b INT",
      "CREATE TABLE t (a INT) ENGINE=Aria",
      "SELECT NEXTVAL(s)",
      "SET STATEMENT max_statement_time=1 FOR SELECT 1",
      "CREATE TABLE t (a INET6)",
      "SELECT a FROM t GROUP BY a DESC",
      "SELECT * FROM t FOR UPDATE WAIT 5",
    ]) {
      expect(mysql8Problem(statement), statement).toBeDefined();
    }
    expect(mysql8Problem("SELECT 'RETURNING is only text here' AS a FROM DUAL")).toBeUndefined();
    // A multi-statement query is checked statement by statement; a comment hides nothing.
    expect(mysql8Problem("-- a comment\nSELECT 1;\nINSERT INTO t (a) VALUES (1) RETURNING id")).toMatch(/RETURNING/);
    expect(mysql8Problem("SELECT 'a -- b; c' AS a")).toBeUndefined();
    expect(mysql8Problem("SELECT 1 /*M! , 2 RETURNING */")).toMatch(/executable comment/);
    expect(mysql8Problem("/*!80000 SELECT 1 */")).toMatch(/executable comment/);
    expect(mysql8Problem("INSERT INTO t (a) VALUES (1) ON DUPLICATE KEY UPDATE a = VALUES(a)")).toBeUndefined();
  });
});

describe("the engine modelbus talks to", () => {
  it("is told apart by its version string, and an unsupported one is refused by name", () => {
    expect(sqlEngineOf("10.11.19-MariaDB-0+deb12u1")).toEqual({ name: "MariaDB", version: "10.11.19" });
    expect(sqlEngineOf("8.4.3")).toEqual({ name: "MySQL", version: "8.4.3" });
    expect(unsupportedEngine(sqlEngineOf("10.11.19-MariaDB-0+deb12u1"))).toBeUndefined();
    expect(unsupportedEngine(sqlEngineOf("11.8.2-MariaDB"))).toBeUndefined();
    expect(unsupportedEngine(sqlEngineOf("8.0.36"))).toBeUndefined();
    expect(unsupportedEngine(sqlEngineOf("10.5.27-MariaDB"))).toMatch(
      /^MariaDB 10\.5\.27 is not supported \(modelbus runs on MariaDB 10\.6 or newer, MySQL 8\.0 or newer\)$/,
    );
    expect(unsupportedEngine(sqlEngineOf("5.7.44-log"))).toMatch(/^MySQL 5\.7\.44 is not supported/);
  });

  it("is checked at start without migrate_on_start too: a supported one is logged, an unreachable one left to the store's outage", async () => {
    const lines: string[] = [];
    const logger = createLogger({ level: "info", destination: new Writable({ write: (chunk, _encoding, done) => (lines.push(String(chunk)), done()) }) });
    const config = storeSchema.parse({ migrate_on_start: false });
    const store = await openStore(config, databaseUrl, logger);
    await store.close();
    expect(lines.map((line) => JSON.parse(line) as { msg: string; engine?: string })).toContainEqual(
      expect.objectContaining({ msg: "database engine checked", engine: expect.stringMatching(/^MariaDB \d+\.\d+\.\d+$/) }),
    );
    const unreachable = await openStore(config, "mysql://root@127.0.0.1:1/none", logger);
    await unreachable.close();
    expect(lines.at(-1)).toContain("its engine is not checked");
  });

  it("is asked for TLS when DATABASE_URL says so (every pool takes the same connectionOptions)", async () => {
    // The test server has TLS off, so asking for it is refused: proof the option reaches the driver.
    const tls = `${testDatabaseUrl(databaseName)}?sslaccept=accept_invalid_certs`;
    await expect(applyMigrations({ databaseUrl: tls })).rejects.toMatchObject({ code: "ER_SERVER_SSL_DISABLED" });
  });

  it("is the server the tests run on, recognised and supported, and the one docker-compose and the Dockerfile ship", async () => {
    const [row] = await queryTestDatabase<{ version: string }>(baseDatabaseUrl, "SELECT VERSION() AS version");
    const engine = sqlEngineOf(row?.version ?? "");
    expect(engine.name).toBe("MariaDB");
    expect(unsupportedEngine(engine)).toBeUndefined();
    // The stack a user starts runs what these tests ran against: same engine, same major.minor.
    const compose = parse(await readFile("docker-compose.yml", "utf8")) as { services: Record<string, { image?: string }> };
    const [majorMinor] = /^\d+\.\d+/.exec(engine.version) ?? [];
    expect(compose.services.mariadb?.image).toBe(`mariadb:${majorMinor}`);
    // And the Node.js major the tests ran on.
    const images = [...(await readFile("Dockerfile", "utf8")).matchAll(/^FROM (\S+)/gm)].map((match) => match[1]);
    expect(images.length).toBeGreaterThan(0);
    for (const image of images) expect(image).toMatch(new RegExp(`^node:${process.versions.node.split(".")[0]}-`));
  });
});
