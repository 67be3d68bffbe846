/**
 * store.retention and `modelbus purge` on the real MariaDB: what goes (old inferences, idle
 * sessions with their messages, conversations left without a session), what stays (agents,
 * anything touched since the cutoff), in small batches, and the metric of rows purged.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PrismaClient } from "../../src/generated/prisma/client.ts";
import { createPrismaClient } from "../../src/store/create-prisma-client.ts";
import { applyMigrations } from "../../src/store/migrations/apply-migrations.ts";
import { createInferenceStore } from "../../src/store/open-store.ts";
import { randomBytes } from "node:crypto";
import { uuidV7Floor } from "../../src/store/retention.ts";
import { metricValue } from "../support/fault-kit.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";
import { startTestService, testConfig, uniqueNames } from "../support/test-service.ts";

let database: TestDatabase;
let prisma: PrismaClient;
const day = 86_400_000;
const old = new Date(Date.now() - 40 * day);
const recent = new Date(Date.now() - day);

/** A UUIDv7 made at `at` (uuid-v7.ts only makes ids for now), as the store's rows made then have. */
function uuidV7(at: number = Date.now()): string {
  const random = randomBytes(10).toString("hex");
  return `${uuidV7Floor(new Date(at)).slice(0, 15)}${random.slice(0, 3)}-8${random.slice(3, 6)}-${random.slice(6, 18)}`;
}

beforeAll(async () => {
  database = await createTestDatabase();
  await applyMigrations({ databaseUrl: database.url });
  prisma = createPrismaClient(database.url, { connectionLimit: 2 });
});

afterAll(async () => {
  await prisma?.$disconnect();
  await database?.drop();
});

/** A session with `messages` messages, last changed at `at`, in `conversationId`. */
async function session(at: Date, messages: number, conversationId: string | null, messagesAt: Date = at): Promise<string> {
  const id = uuidV7(at.getTime());
  await prisma.session.create({ data: { id, conversationId, createdAt: at, updatedAt: at, messageCount: messages } });
  for (let position = 0; position < messages; position += 1) {
    await prisma.message.create({
      data: { id: uuidV7(messagesAt.getTime()), sessionId: id, position, role: "user", content: `m${position}`, createdAt: messagesAt },
    });
  }
  return id;
}

async function inference(at: Date, sessionId: string | null): Promise<string> {
  const id = uuidV7(at.getTime());
  await prisma.inference.create({ data: { id, requestId: Buffer.from(`r-${id}`), sessionId, status: "complete", createdAt: at, completedAt: at } });
  return id;
}

async function conversation(at: Date): Promise<string> {
  const id = uuidV7(at.getTime());
  await prisma.conversation.create({ data: { id, createdAt: at, updatedAt: at } });
  return id;
}

/** Old and recent rows of every kind; returns the ids that must stay. */
async function seed() {
  const oldConversation = await conversation(old);
  const liveConversation = await conversation(old);
  const freshEmpty = await conversation(recent);
  const idle = await session(old, 5, oldConversation);
  // Active now, its history started long ago: it stays whole.
  const active = await session(recent, 3, liveConversation, old);
  const oldInferences = [await inference(old, idle), await inference(old, null), await inference(old, active)];
  const recentInference = await inference(recent, active);
  const agent = await prisma.agent.create({
    data: { id: uuidV7(old.getTime()), key: `a-${uuidV7()}`, displayName: "old agent", fallbackModels: [], createdAt: old, updatedAt: old },
  });
  return { oldConversation, liveConversation, freshEmpty, idle, active, oldInferences, recentInference, agent: agent.id };
}

async function clearAll(): Promise<void> {
  await prisma.inference.deleteMany({});
  await prisma.message.deleteMany({});
  await prisma.session.deleteMany({});
  await prisma.conversation.deleteMany({});
  await prisma.agent.deleteMany({});
}

describe("retention", () => {
  it("purges old inferences, idle sessions with their messages and emptied conversations, in small batches; keeps agents and anything recent", async () => {
    await clearAll();
    const kept = await seed();
    const store = createInferenceStore(database.url, 2, { maxBatch: 1, maxConcurrentBatches: 1, agentCacheTtlMs: 0 });
    try {
      const cutoff = new Date(Date.now() - 30 * day);
      const counted = await store.purge({ cutoff, batchSize: 2, pauseMs: 0, dryRun: true });
      const batches: Array<[string, number]> = [];
      const purged = await store.purge({ cutoff, batchSize: 2, pauseMs: 0, dryRun: false, onDeleted: (table, rows) => batches.push([table, rows]) });
      expect(purged).toEqual({ inferences: 3, messages: 5, sessions: 1, conversations: 1 });
      expect(counted).toEqual(purged);
      // No DELETE took more than the batch size.
      expect(batches.every(([, rows]) => rows <= 2)).toBe(true);
      expect(batches.filter(([table]) => table === "messages").map(([, rows]) => rows)).toEqual([2, 2, 1]);

      expect((await prisma.inference.findMany()).map((row) => row.id)).toEqual([kept.recentInference]);
      expect((await prisma.session.findMany()).map((row) => row.id)).toEqual([kept.active]);
      expect(await prisma.message.count({ where: { sessionId: kept.active } })).toBe(3);
      expect((await prisma.conversation.findMany({ orderBy: { id: "asc" } })).map((row) => row.id).sort()).toEqual(
        [kept.liveConversation, kept.freshEmpty].sort(),
      );
      expect(await prisma.agent.count({ where: { id: kept.agent } })).toBe(1);
      // A second pass finds nothing more.
      expect(await store.purge({ cutoff, batchSize: 2, pauseMs: 0, dryRun: false })).toEqual({ inferences: 0, messages: 0, sessions: 0, conversations: 0 });
    } finally {
      await store.close();
    }
  });

  it("runs on its own with store.retention set, off the request path, and counts what it purged", async () => {
    await clearAll();
    await seed();
    const service = await startTestService(
      testConfig(uniqueNames(), { store: { enabled: true, retention: "30d", retention_interval: "200ms", retention_pause: "0" } }),
      {
        databaseUrl: database.url,
      },
    );
    try {
      await expect.poll(() => metricValue(service, "modelbus_retention_purged_rows_total", { table: "inferences" }), { timeout: 5_000 }).toBe(3);
      await expect.poll(() => metricValue(service, "modelbus_retention_purged_rows_total", { table: "conversations" }), { timeout: 5_000 }).toBe(1);
      expect(await metricValue(service, "modelbus_retention_purged_rows_total", { table: "messages" })).toBe(5);
      expect(await prisma.agent.count()).toBe(1);
    } finally {
      await service.stop();
    }
  });

  it("modelbus purge --older-than: a dry run counts, a real one deletes; a bad age is a usage error", async () => {
    await clearAll();
    await seed();
    const cli = (args: string[]) =>
      promisify(execFile)(process.execPath, ["bin/modelbus.js", "purge", ...args], {
        env: { ...process.env, DATABASE_URL: database.url, MODELBUS_CONFIG: "config/default.json" },
      }).then(
        (result) => ({ code: 0, stdout: result.stdout, stderr: result.stderr }),
        (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
      );
    const dry = await cli(["--older-than", "30d", "--dry-run"]);
    expect(dry.code).toBe(0);
    expect(JSON.parse(dry.stdout)).toEqual({ dry_run: true, older_than: "30d", inferences: 3, messages: 5, sessions: 1, conversations: 1 });
    expect(await prisma.inference.count()).toBe(4);
    const real = await cli(["--older-than", "720h"]);
    expect(JSON.parse(real.stdout)).toEqual({ dry_run: false, older_than: "720h", inferences: 3, messages: 5, sessions: 1, conversations: 1 });
    expect(await prisma.inference.count()).toBe(1);
    const bad = await cli(["--older-than", "soon"]);
    expect(bad.code).toBe(64);
    expect(bad.stderr).toContain("purge needs --older-than AGE");
  });
});
