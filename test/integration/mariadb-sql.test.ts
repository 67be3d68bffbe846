import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PrismaClient } from "../../src/generated/prisma/client.ts";
import { createPrismaClientWithPool } from "../../src/store/create-prisma-client.ts";
import { keepBackslashEscapes, MariadbSql } from "../../src/store/mariadb-sql.ts";
import { applyMigrations } from "../../src/store/migrations/apply-migrations.ts";
import { parseSqlDateTime, sqlDateTime } from "../../src/store/sql-values.ts";
import { createTestDatabase, queryTestDatabase, type TestDatabase } from "../support/test-database.ts";

/** The store's hot path without Prisma: the driver pool under Prisma's adapter, through the SqlPort. */
let database: TestDatabase;
let prisma: PrismaClient;
let sql: MariadbSql;

beforeAll(async () => {
  database = await createTestDatabase();
  await applyMigrations({ databaseUrl: database.url });
  const clients = createPrismaClientWithPool(database.url, { connectionLimit: 2 });
  prisma = clients.prisma;
  sql = new MariadbSql(clients.pool);
});

afterAll(async () => {
  await prisma?.$disconnect();
  await database?.drop();
});

const insertConversation = "INSERT INTO conversations (id, created_at, updated_at) VALUES (?,?,?)";
const at = sqlDateTime(new Date("2026-11-21T23:59:58.123Z"));

async function conversationIds(): Promise<string[]> {
  const rows = await queryTestDatabase<{ id: string }>(database.url, "SELECT id FROM conversations ORDER BY id");
  return rows.map((row) => row.id);
}

describe("MariadbSql", () => {
  it("counts affected rows: INSERT IGNORE counts only the rows it inserted", async () => {
    expect(await sql.execute({ sql: insertConversation, values: ["c-count", at, at] })).toBe(1);
    const again = "INSERT IGNORE INTO conversations (id, created_at, updated_at) VALUES (?,?,?),(?,?,?)";
    expect(await sql.execute({ sql: again, values: ["c-count", at, at, "c-count-2", at, at] })).toBe(1);
  });

  it("commits every statement of a transaction, or none when one of them fails", async () => {
    await sql.transaction([
      { sql: insertConversation, values: ["c-tx-1", at, at] },
      { sql: insertConversation, values: ["c-tx-2", at, at] },
    ]);
    expect(await conversationIds()).toEqual(expect.arrayContaining(["c-tx-1", "c-tx-2"]));

    // The second statement collides with a committed row, after the first (pipelined) one succeeded.
    const failed = sql.transaction([
      { sql: insertConversation, values: ["c-tx-3", at, at] },
      { sql: insertConversation, values: ["c-tx-1", at, at] },
      { sql: insertConversation, values: ["c-tx-4", at, at] },
    ]);
    await expect(failed).rejects.toMatchObject({ code: "ER_DUP_ENTRY" });
    const ids = await conversationIds();
    expect(ids).not.toContain("c-tx-3");
    expect(ids).not.toContain("c-tx-4");

    // The pool (two connections) is still usable, more times than it has connections.
    for (const id of ["c-tx-5", "c-tx-6", "c-tx-7"]) await sql.transaction([{ sql: insertConversation, values: [id, at, at] }]);
    const after = await conversationIds();
    expect(after).toEqual(expect.arrayContaining(["c-tx-5", "c-tx-6", "c-tx-7"]));
    // Nothing of the failed transaction came back with a later one (START TRANSACTION commits an open one).
    expect(after).not.toContain("c-tx-3");
  });

  it("sends a transaction as one query: a statement's ? values stay bound in order across statements", async () => {
    await sql.transaction([
      { sql: insertConversation, values: ["c-order-1", at, at] },
      { sql: "UPDATE conversations SET title = ? WHERE id = ?", values: ["it's; COMMIT; --", "c-order-1"] },
    ]);
    const [row] = await queryTestDatabase<{ title: string }>(database.url, "SELECT title FROM conversations WHERE id = ?", ["c-order-1"]);
    expect(row?.title).toBe("it's; COMMIT; --");
  });

  it("writes and reads DATETIME(3) as UTC, the instant Prisma reads back, whatever the session time zone", async () => {
    const pool = await createPrismaClientWithPool(database.url).pool();
    // A session in another time zone must not shift the stored instant (values are strings, not Dates).
    const connection = await pool.getConnection();
    try {
      await connection.query("SET time_zone = '+05:00'");
      await connection.query(insertConversation, ["c-tz", at, at]);
    } finally {
      await connection.release();
      await pool.end();
    }
    const viaPrisma = await prisma.conversation.findUniqueOrThrow({ where: { id: "c-tz" } });
    expect(viaPrisma.createdAt.toISOString()).toBe("2026-11-21T23:59:58.123Z");
    const [row] = await sql.query<{ created_at: string }>({ sql: "SELECT created_at FROM conversations WHERE id = ?", values: ["c-tz"] });
    expect(parseSqlDateTime(row?.created_at ?? null)?.toISOString()).toBe("2026-11-21T23:59:58.123Z");
  });

  it("takes NO_BACKSLASH_ESCAPES out of a session's sql_mode, and nothing else (the driver escapes with backslashes)", async () => {
    const pool = await createPrismaClientWithPool(database.url).pool();
    const connection = await pool.getConnection();
    try {
      const after = async (mode: string) => {
        await connection.query("SET SESSION sql_mode = ?", [mode]);
        await connection.query(keepBackslashEscapes);
        const [row] = await connection.query<Array<{ mode: string }>>("SELECT @@SESSION.sql_mode AS mode");
        return row?.mode;
      };
      expect(await after("STRICT_TRANS_TABLES,NO_BACKSLASH_ESCAPES,NO_ZERO_DATE")).toBe("STRICT_TRANS_TABLES,NO_ZERO_DATE");
      expect(await after("NO_BACKSLASH_ESCAPES,STRICT_TRANS_TABLES")).toBe("STRICT_TRANS_TABLES");
      expect(await after("STRICT_TRANS_TABLES,NO_BACKSLASH_ESCAPES")).toBe("STRICT_TRANS_TABLES");
      expect(await after("NO_BACKSLASH_ESCAPES")).toBe("");
      expect(await after("STRICT_TRANS_TABLES,NO_ZERO_DATE")).toBe("STRICT_TRANS_TABLES,NO_ZERO_DATE");
    } finally {
      connection.destroy();
      await pool.end();
    }
  });

  it("escapes right on a connection whose session has NO_BACKSLASH_ESCAPES (the server's or account's sql_mode)", async () => {
    const clients = createPrismaClientWithPool(database.url, { connectionLimit: 1 });
    const single = new MariadbSql(clients.pool);
    const pool = await clients.pool();
    try {
      // One connection: the statements below run on the session set up here.
      const connection = await pool.getConnection();
      await connection.query("SET SESSION sql_mode = CONCAT(@@SESSION.sql_mode, ',NO_BACKSLASH_ESCAPES')");
      await connection.release();
      const title = `x\\'; UPDATE conversations SET title = 'pwned'; -- \\`;
      await single.transaction([
        { sql: insertConversation, values: ["c-nbe", at, at] },
        { sql: "UPDATE conversations SET title = ? WHERE id = ?", values: [title, "c-nbe"] },
      ]);
      expect(await single.execute({ sql: "UPDATE conversations SET title = ? WHERE id = ?", values: [`${title}!`, "c-nbe"] })).toBe(1);
      const rows = await single.query<{ title: string }>({ sql: "SELECT title FROM conversations WHERE title = ?", values: [`${title}!`] });
      expect(rows.map((row) => row.title)).toEqual([`${title}!`]);
      expect(await single.query({ sql: "SELECT id FROM conversations WHERE title = 'pwned'", values: [] })).toEqual([]);
      const [mode] = await single.query<{ mode: string }>({ sql: "SELECT @@SESSION.sql_mode AS mode", values: [] });
      expect(mode?.mode).not.toContain("NO_BACKSLASH_ESCAPES");
      expect(mode?.mode).toContain("STRICT_TRANS_TABLES");
    } finally {
      await clients.prisma.$disconnect();
    }
  });

  it("runs its statements in READ COMMITTED sessions, set once per connection", async () => {
    const clients = createPrismaClientWithPool(database.url, { connectionLimit: 1 });
    const single = new MariadbSql(clients.pool);
    try {
      const level = async () => (await single.query<{ level: string }>({ sql: "SELECT @@SESSION.tx_isolation AS level", values: [] }))[0]?.level;
      expect(await level()).toBe("READ-COMMITTED");
      // Not set again: a session changed behind its back keeps the change (one SET per connection).
      const connection = await (await clients.pool()).getConnection();
      await connection.query("SET SESSION TRANSACTION ISOLATION LEVEL SERIALIZABLE");
      await connection.release();
      expect(await level()).toBe("SERIALIZABLE");
    } finally {
      await clients.prisma.$disconnect();
    }
  });

  it("stores quotes, backslashes and statement separators in values exactly", async () => {
    const title = `a\\b'c"d; DROP TABLE conversations; -- \\'`;
    await sql.transaction([
      { sql: insertConversation, values: ["c-escape", at, at] },
      { sql: "UPDATE conversations SET title = ? WHERE id = ?", values: [title, "c-escape"] },
    ]);
    expect((await prisma.conversation.findUniqueOrThrow({ where: { id: "c-escape" } })).title).toBe(title);
  });

  it("shares Prisma's pool: no second set of connections", async () => {
    const clients = createPrismaClientWithPool(database.url, { connectionLimit: 1 });
    try {
      const pool = await clients.pool();
      await clients.prisma.conversation.count();
      expect(await clients.pool()).toBe(pool);
      expect(pool.totalConnections()).toBeLessThanOrEqual(1);
      // After $disconnect the ended pool is forgotten: the next one is Prisma's new pool, and it works.
      await clients.prisma.$disconnect();
      const next = await clients.pool();
      expect(next).not.toBe(pool);
      expect(await new MariadbSql(clients.pool).query<{ one: number }>({ sql: "SELECT 1 AS one", values: [] })).toEqual([{ one: 1 }]);
    } finally {
      await clients.prisma.$disconnect();
    }
  });
});
