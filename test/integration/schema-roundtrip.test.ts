/**
 * The proof that the hand-written migration SQL is what the generated client expects: after
 * migrating, every model is written through the client (MariaDB adapter) with every field set,
 * read back and compared, and the database is checked for anything the client does not know
 * about (extra columns, nullability, widths), for the unique constraints and for the
 * referential actions.
 */
import { createHash, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Prisma, type PrismaClient } from "../../src/generated/prisma/client.ts";
import { createPrismaClient } from "../../src/store/create-prisma-client.ts";
import { applyMigrations } from "../../src/store/migrations/apply-migrations.ts";
import { createTestDatabase, queryTestDatabase, type TestDatabase } from "../support/test-database.ts";

let database: TestDatabase;
let prisma: PrismaClient;

beforeAll(async () => {
  database = await createTestDatabase();
  await applyMigrations({ databaseUrl: database.url });
  prisma = createPrismaClient(database.url, { connectionLimit: 4 });
});

afterAll(async () => {
  await prisma?.$disconnect();
  await database?.drop();
});

/** A string of exactly `length` characters as MySQL counts them (code points), starting with `seed`. */
function exactly(length: number, seed: string): string {
  const characters = [...seed].slice(0, length);
  while (characters.length < length) characters.push(String.fromCharCode(97 + (characters.length % 26)));
  return characters.join("");
}

/** A string's UTF-8 bytes, as a binary column (request_id) takes them. */
const utf8 = (text: string) => new Uint8Array(Buffer.from(text, "utf8"));

/** 191 characters (the request schema's limit) of 4 UTF-8 bytes each, unique per call: 764 bytes. */
function widestRequestId(): string {
  const unique = [...randomUUID().replaceAll("-", "")].map((digit) => String.fromCodePoint(0x1f600 + Number.parseInt(digit, 16)));
  return unique.join("") + "🦀".repeat(191 - unique.length);
}

/** Text of at least `bytes` UTF-8 bytes, with 4-byte emoji in it. */
function textOfBytes(bytes: number, line: string): string {
  const unit = `${line} 🦀😀🌍 ĳ ß ✓\n`;
  return unit.repeat(Math.ceil(bytes / Buffer.byteLength(unit)));
}

const at = (iso: string) => new Date(iso);

const scalarFieldCounts: Record<string, number> = {
  agents: Object.keys(Prisma.AgentScalarFieldEnum).length,
  conversations: Object.keys(Prisma.ConversationScalarFieldEnum).length,
  sessions: Object.keys(Prisma.SessionScalarFieldEnum).length,
  messages: Object.keys(Prisma.MessageScalarFieldEnum).length,
  inferences: Object.keys(Prisma.InferenceScalarFieldEnum).length,
  inference_claims: Object.keys(Prisma.InferenceClaimScalarFieldEnum).length,
};

interface ColumnInfo {
  table: string;
  column: string;
  dataType: string;
  nullable: string;
  maxLength: number | null;
  precision: number | null;
  scale: number | null;
  datetimePrecision: number | null;
}

function columns(): Promise<ColumnInfo[]> {
  return queryTestDatabase<ColumnInfo>(
    database.url,
    `SELECT TABLE_NAME AS \`table\`, COLUMN_NAME AS \`column\`, DATA_TYPE AS dataType, IS_NULLABLE AS nullable,
            CHARACTER_MAXIMUM_LENGTH AS maxLength, NUMERIC_PRECISION AS \`precision\`, NUMERIC_SCALE AS scale,
            DATETIME_PRECISION AS datetimePrecision
     FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME <> '_prisma_migrations'`,
    [database.name],
  ).then((rows) =>
    rows.map((row) => ({
      ...row,
      maxLength: row.maxLength === null ? null : Number(row.maxLength),
      precision: row.precision === null ? null : Number(row.precision),
      scale: row.scale === null ? null : Number(row.scale),
      datetimePrecision: row.datetimePrecision === null ? null : Number(row.datetimePrecision),
    })),
  );
}

function nonNullCount(row: object): number {
  return Object.values(row).filter((value) => value !== null).length;
}

/** One row of every model with every field set, each bounded string filled to its declared width. */
function fullGraph() {
  const agentId = randomUUID();
  const conversationId = randomUUID();
  const sessionId = randomUUID();
  const agent = {
    id: agentId,
    key: exactly(191, `agent-🔑-${agentId}`),
    displayName: exactly(191, "Agent 🤖 naïve — “quoted” "),
    systemPrompt: textOfBytes(50_000, "You are a careful assistant."),
    defaultModel: exactly(191, "model-⚡-default-"),
    fallbackModels: ["model-b", "model-c 🌀", "model-d"],
    temperature: 0.30000000000000004,
    tools: [
      { type: "function", function: { name: "search", parameters: { type: "object", properties: { q: { type: "string" } }, required: ["q"] } } },
      { type: "function", function: { name: "calc", parameters: {} } },
    ],
    metadata: { owner: "team 🛰", nested: { list: [1, 2.5, true, null, "x"], empty: {}, emptyList: [] }, quote: 'he said "hi"\n\\ back' },
    budget: { tokens: { per_minute: 10_000, per_day: 5_000_000, total: 1e12 }, cost: { per_hour: 2.5, total: 123.456789 } },
    createdAt: at("2026-01-02T03:04:05.678Z"),
    updatedAt: at("2026-01-02T03:04:06.789Z"),
    deletedAt: at("2026-02-03T04:05:06.007Z"),
  };
  const conversation = {
    id: conversationId,
    agentId,
    title: exactly(191, "Thread 🧵 about everything "),
    metadata: { project: "modelbus", tags: ["a", "b"] },
    createdAt: at("2026-01-03T00:00:00.001Z"),
    updatedAt: at("2026-01-03T00:00:00.999Z"),
  };
  const session = {
    id: sessionId,
    agentId,
    conversationId,
    externalKey: exactly(191, "loop-🔁-"),
    parentSessionId: randomUUID(),
    modelOverride: exactly(191, "override-"),
    temperatureOverride: 1e300,
    allowedTools: ["search", "calc"],
    status: exactly(16, "branched"),
    messageCount: 2_147_483_647,
    historyHash: createHash("sha256").update("history").digest("hex"),
    metadata: { reason: "diverged", at: 12 },
    createdAt: at("2026-01-04T10:20:30.405Z"),
    updatedAt: at("2026-01-04T10:20:31.506Z"),
  };
  const messages = [0, 2_147_483_647].map((position, index) => ({
    id: randomUUID(),
    sessionId,
    position,
    role: exactly(16, index === 0 ? "assistant" : "tool"),
    content: textOfBytes(100 * 1024, `message ${index}`),
    name: exactly(191, `name-${index}-`),
    toolCalls: [{ id: `call_${index}`, type: "function", function: { name: "search", arguments: '{"q":"🦀"}' } }],
    toolCallId: exactly(191, `call_${index}_`),
    reasoning: textOfBytes(100 * 1024, `thinking ${index}`),
    model: exactly(191, `model-${index}-`),
    metadata: { index, tokens: [1, 2, 3] },
    createdAt: at(`2026-01-05T00:00:0${index}.12${index}Z`),
  }));
  const inference = {
    id: randomUUID(),
    // The widest request_id the request schema admits: 191 characters of 4 bytes each in UTF-8.
    requestId: utf8(widestRequestId()),
    sessionId,
    owner: exactly(64, "worker-"),
    endpoint: exactly(191, "endpoint-"),
    providerModel: exactly(191, "provider-model-"),
    status: exactly(24, "ok"),
    finishReason: exactly(32, "stop"),
    promptTokens: 2_147_483_647,
    completionTokens: 1_234_567,
    cost: new Prisma.Decimal("123456.12345678"),
    retryCount: 3,
    latencyMs: 98_765,
    errorCode: exactly(48, "E_PROVIDER_"),
    errorText: textOfBytes(20_000, "stack trace"),
    response: { request_id: "r", message: { role: "assistant", content: "hi 👋", tool_calls: [] }, usage: { prompt_tokens: 1 } },
    wireForm: exactly(16, "agent_response"),
    createdAt: at("2026-01-06T01:02:00.100Z"),
    completedAt: at("2026-01-06T01:02:09.990Z"),
  };
  const claim = {
    claimKey: new Uint8Array(createHash("sha256").update(inference.requestId).digest()),
    owner: exactly(64, "owner-"),
    leaseUntil: at("2026-01-06T01:02:03.004Z"),
    source: exactly(96, "AGENT:"),
    attempt: 4_294_967_295,
  };
  return { agent, conversation, session, messages, inference, claim };
}

async function createGraph(graph: ReturnType<typeof fullGraph>): Promise<void> {
  await prisma.agent.create({ data: graph.agent });
  await prisma.conversation.create({ data: graph.conversation });
  await prisma.session.create({ data: graph.session });
  for (const message of graph.messages) await prisma.message.create({ data: message });
  await prisma.inference.create({ data: graph.inference });
  await prisma.inferenceClaim.create({ data: graph.claim });
}

/** A graph with only what is required; every optional field explicitly null. */
async function createMinimalGraph() {
  const agent = await prisma.agent.create({
    data: {
      id: randomUUID(),
      key: `minimal-${randomUUID()}`,
      displayName: "Minimal",
      fallbackModels: [],
      systemPrompt: null,
      defaultModel: null,
      temperature: null,
      tools: Prisma.DbNull,
      metadata: Prisma.DbNull,
      budget: Prisma.DbNull,
      deletedAt: null,
    },
  });
  const conversation = await prisma.conversation.create({
    data: { id: randomUUID(), agentId: null, title: null, metadata: Prisma.DbNull },
  });
  const session = await prisma.session.create({
    data: {
      id: randomUUID(),
      agentId: null,
      conversationId: null,
      externalKey: null,
      parentSessionId: null,
      modelOverride: null,
      temperatureOverride: null,
      allowedTools: Prisma.DbNull,
      metadata: Prisma.DbNull,
    },
  });
  const message = await prisma.message.create({
    data: {
      id: randomUUID(),
      sessionId: session.id,
      position: 0,
      role: "user",
      content: null,
      name: null,
      toolCalls: Prisma.DbNull,
      toolCallId: null,
      reasoning: null,
      model: null,
      metadata: Prisma.DbNull,
    },
  });
  const inference = await prisma.inference.create({
    data: {
      id: randomUUID(),
      requestId: utf8(`minimal-${randomUUID()}`),
      sessionId: null,
      owner: null,
      endpoint: null,
      providerModel: null,
      status: null,
      finishReason: null,
      errorCode: null,
      errorText: null,
      response: Prisma.DbNull,
      wireForm: null,
      completedAt: null,
    },
  });
  const claim = await prisma.inferenceClaim.create({
    data: { claimKey: new Uint8Array(createHash("sha256").update(inference.requestId).digest()), owner: "o", leaseUntil: new Date() },
  });
  return { agents: agent, conversations: conversation, sessions: session, messages: message, inferences: inference, inference_claims: claim };
}

describe("the migrated schema and the generated client", () => {
  it("write and read back every model with every field set", async () => {
    const graph = fullGraph();
    await createGraph(graph);

    expect(await prisma.agent.findUniqueOrThrow({ where: { id: graph.agent.id } })).toEqual(graph.agent);
    expect(await prisma.conversation.findUniqueOrThrow({ where: { id: graph.conversation.id } })).toEqual(graph.conversation);
    expect(await prisma.session.findUniqueOrThrow({ where: { id: graph.session.id } })).toEqual(graph.session);
    for (const message of graph.messages) {
      expect(await prisma.message.findUniqueOrThrow({ where: { id: message.id } })).toEqual(message);
    }
    const inference = await prisma.inference.findUniqueOrThrow({ where: { id: graph.inference.id } });
    expect(Prisma.Decimal.isDecimal(inference.cost)).toBe(true);
    expect(inference.cost.toFixed(8)).toBe("123456.12345678");
    expect({ ...inference, cost: inference.cost.toFixed(8) }).toEqual({ ...graph.inference, cost: "123456.12345678" });
    expect(await prisma.inferenceClaim.findUniqueOrThrow({ where: { claimKey: graph.claim.claimKey } })).toEqual(graph.claim);

    // The database itself holds the milliseconds and the 4-byte characters, not just the client.
    const [stored] = await queryTestDatabase<{ millis: string; bytes: number; characters: number }>(
      database.url,
      "SELECT DATE_FORMAT(created_at, '%f') AS millis, LENGTH(content) AS bytes, CHAR_LENGTH(content) AS characters FROM messages WHERE id = ?",
      [graph.messages[0]?.id],
    );
    expect(stored?.millis).toBe("120000");
    expect(Number(stored?.bytes)).toBeGreaterThan(100 * 1024);
    expect(Number(stored?.bytes)).toBe(Buffer.byteLength(graph.messages[0]?.content ?? ""));
    expect(Number(stored?.characters)).toBe([...(graph.messages[0]?.content ?? "")].length);
  });

  it("follow the relations agent → conversation → session → messages, and inference → session", async () => {
    const graph = fullGraph();
    await createGraph(graph);

    const agent = await prisma.agent.findUniqueOrThrow({
      where: { key: graph.agent.key },
      include: { conversations: true, sessions: true },
    });
    expect(agent.conversations.map((conversation) => conversation.id)).toEqual([graph.conversation.id]);
    expect(agent.sessions.map((session) => session.id)).toEqual([graph.session.id]);

    const session = await prisma.session.findUniqueOrThrow({
      where: { id: graph.session.id },
      include: { agent: true, conversation: { include: { sessions: true } }, messages: { orderBy: { position: "asc" } }, inferences: true },
    });
    expect(session.agent?.id).toBe(graph.agent.id);
    expect(session.conversation?.sessions.map((each) => each.id)).toEqual([graph.session.id]);
    expect(session.messages.map((message) => message.position)).toEqual([0, 2_147_483_647]);
    expect(session.inferences.map((inference) => inference.requestId)).toEqual([graph.inference.requestId]);

    const inference = await prisma.inference.findUniqueOrThrow({ where: { requestId: graph.inference.requestId }, include: { session: true } });
    expect(inference.session?.historyHash).toBe(graph.session.historyHash);
    const message = await prisma.message.findUniqueOrThrow({
      where: { sessionId_position: { sessionId: graph.session.id, position: 0 } },
      include: { session: { include: { agent: true } } },
    });
    expect(message.session.agent?.key).toBe(graph.agent.key);
  });

  it("apply the schema's defaults and store nulls in every optional field", async () => {
    const before = Date.now();
    const rows = await createMinimalGraph();

    expect(rows.sessions).toMatchObject({ status: "active", messageCount: 0, historyHash: "" });
    expect(rows.inferences).toMatchObject({ promptTokens: 0, completionTokens: 0, retryCount: 0, latencyMs: 0 });
    expect(rows.inferences.cost.toFixed(8)).toBe("0.00000000");
    for (const row of Object.values(rows).filter((each) => "createdAt" in each)) {
      expect(row.createdAt.getTime()).toBeGreaterThanOrEqual(before - 5_000);
      expect(row.createdAt.getTime()).toBeLessThanOrEqual(Date.now() + 5_000);
    }
    const reread = await prisma.session.findUniqueOrThrow({ where: { id: rows.sessions.id } });
    expect(reread).toEqual(rows.sessions);
    expect(reread.allowedTools).toBeNull();
  });

  it("have no column the client does not know, and make NOT NULL exactly the fields the client requires", async () => {
    const rows = await createMinimalGraph();
    const all = await columns();

    for (const [table, row] of Object.entries(rows)) {
      const tableColumns = all.filter((column) => column.table === table);
      expect(tableColumns.length, `${table}: columns vs client scalar fields`).toBe(scalarFieldCounts[table]);
      // Every optional field was written as null above (so its column accepts NULL); the
      // fields the client returned non-null are the required ones and must be NOT NULL.
      expect(tableColumns.filter((column) => column.nullable === "NO").length, `${table}: NOT NULL columns`).toBe(nonNullCount(row));
    }
  });

  it("declare string widths, DateTime(3) and Decimal(14, 8) as the schema does", async () => {
    const graph = fullGraph();
    await createGraph(graph);
    const ids: Record<string, string> = {
      agents: graph.agent.id,
      conversations: graph.conversation.id,
      sessions: graph.session.id,
      messages: graph.messages[0]?.id ?? "",
      inferences: graph.inference.id,
      inference_claims: Buffer.from(graph.claim.claimKey).toString("hex"),
    };
    const all = await columns();

    // The full graph fills every bounded string to the width the schema gives it, so each
    // stored value must be exactly as long as its column: neither narrower nor wider.
    for (const [table, id] of Object.entries(ids)) {
      const bounded = all.filter((column) => column.table === table && ["varchar", "char", "varbinary"].includes(column.dataType));
      // A binary string's width is in bytes, a character string's in characters.
      const length = (column: { dataType: string }) => (column.dataType === "varbinary" ? "LENGTH" : "CHAR_LENGTH");
      const lengths = bounded.map((column) => `${length(column)}(\`${column.column}\`) AS \`${column.column}\``).join(", ");
      const key = table === "inference_claims" ? "claim_key = UNHEX(?)" : "id = ?";
      const [stored] = await queryTestDatabase<Record<string, number>>(database.url, `SELECT ${lengths} FROM \`${table}\` WHERE ${key}`, [id]);
      for (const column of bounded) {
        expect(Number(stored?.[column.column]), `${table}.${column.column}`).toBe(column.maxLength);
      }
    }
    const datetimes = all.filter((column) => column.dataType === "datetime");
    expect(datetimes.filter((column) => column.datetimePrecision !== 3)).toEqual([]);
    expect(all.filter((column) => column.dataType === "decimal").map((column) => [column.table, column.column, column.precision, column.scale])).toEqual([
      ["inferences", "cost", 14, 8],
    ]);
    // Every column that is not a VARCHAR, by type (MariaDB reports JSON columns as LONGTEXT).
    const census: Record<string, string[]> = {};
    for (const column of all.filter((each) => each.dataType !== "varchar")) {
      const type = column.dataType === "longtext" ? "json" : column.dataType;
      (census[type] ??= []).push(`${column.table}.${column.column}`);
    }
    for (const list of Object.values(census)) list.sort();
    expect(census).toEqual({
      binary: ["inference_claims.claim_key"],
      varbinary: ["inferences.request_id"],
      char: ["sessions.history_hash"],
      text: ["agents.system_prompt", "inferences.error_text"],
      mediumtext: ["messages.content", "messages.reasoning"],
      double: ["agents.temperature", "sessions.temperature_override"],
      decimal: ["inferences.cost"],
      int: [
        "inference_claims.attempt",
        "inferences.completion_tokens",
        "inferences.latency_ms",
        "inferences.prompt_tokens",
        "inferences.retry_count",
        "messages.position",
        "sessions.message_count",
      ],
      json: [
        "agents.budget",
        "agents.fallback_models",
        "agents.metadata",
        "agents.tools",
        "conversations.metadata",
        "inferences.response",
        "messages.metadata",
        "messages.tool_calls",
        "sessions.allowed_tools",
        "sessions.metadata",
      ],
      datetime: [
        "agents.created_at",
        "agents.deleted_at",
        "agents.updated_at",
        "conversations.created_at",
        "conversations.updated_at",
        "inference_claims.lease_until",
        "inferences.completed_at",
        "inferences.created_at",
        "messages.created_at",
        "sessions.created_at",
        "sessions.updated_at",
      ],
    });
  });

  it("give columns the same defaults in the database as the client applies", async () => {
    // The client fills @default values itself, so only a raw INSERT shows the database's own.
    const clientRows = await createMinimalGraph();
    const session = clientRows.sessions.id;
    const ids = { agents: randomUUID(), conversations: randomUUID(), sessions: randomUUID(), messages: randomUUID(), inferences: randomUUID() };
    await queryTestDatabase(
      database.url,
      `INSERT INTO agents (id, \`key\`, display_name, fallback_models, updated_at) VALUES (?, ?, 'Raw', '[]', CURRENT_TIMESTAMP(3));
       INSERT INTO conversations (id, updated_at) VALUES (?, CURRENT_TIMESTAMP(3));
       INSERT INTO sessions (id, updated_at) VALUES (?, CURRENT_TIMESTAMP(3));
       INSERT INTO messages (id, session_id, position, role) VALUES (?, ?, 1, 'user');
       INSERT INTO inferences (id, request_id) VALUES (?, ?);`,
      [ids.agents, `raw-${ids.agents}`, ids.conversations, ids.sessions, ids.messages, session, ids.inferences, `raw-${ids.inferences}`],
    );
    const rawRows = {
      agents: await prisma.agent.findUniqueOrThrow({ where: { id: ids.agents } }),
      conversations: await prisma.conversation.findUniqueOrThrow({ where: { id: ids.conversations } }),
      sessions: await prisma.session.findUniqueOrThrow({ where: { id: ids.sessions } }),
      messages: await prisma.message.findUniqueOrThrow({ where: { id: ids.messages } }),
      inferences: await prisma.inference.findUniqueOrThrow({ where: { id: ids.inferences } }),
    };
    const varying = new Set(["id", "key", "displayName", "requestId", "position", "sessionId", "createdAt", "updatedAt"]);
    const comparable = (row: object) =>
      Object.fromEntries(
        Object.entries(row)
          .filter(([field]) => !varying.has(field))
          .map(([field, value]) => [field, Prisma.Decimal.isDecimal(value) ? (value as Prisma.Decimal).toFixed(8) : value]),
      );
    for (const table of Object.keys(ids) as Array<keyof typeof ids>) {
      expect(comparable(rawRows[table]), table).toEqual(comparable(clientRows[table]));
      // CURRENT_TIMESTAMP(3) is in the session time zone; a day's margin keeps this zone-proof.
      expect(Math.abs(rawRows[table].createdAt.getTime() - Date.now()), `${table}.created_at default`).toBeLessThan(86_400_000);
    }
  });

  it("reject a duplicate agent key, a duplicate (session, position) and a duplicate request_id", async () => {
    const graph = fullGraph();
    await createGraph(graph);

    await expect(prisma.agent.create({ data: { ...graph.agent, id: randomUUID() } })).rejects.toMatchObject({ code: "P2002" });
    await expect(prisma.message.create({ data: { ...(graph.messages[0] as (typeof graph.messages)[number]), id: randomUUID() } })).rejects.toMatchObject({
      code: "P2002",
    });
    await expect(prisma.inference.create({ data: { ...graph.inference, id: randomUUID(), sessionId: null } })).rejects.toMatchObject({ code: "P2002" });
    await expect(prisma.message.create({ data: { id: randomUUID(), sessionId: randomUUID(), position: 0, role: "user" } })).rejects.toMatchObject({
      code: "P2003",
    });
  });

  it("cascade session deletes to messages, set inference.session_id null, and follow id updates", async () => {
    const graph = fullGraph();
    await createGraph(graph);
    const messageIds = graph.messages.map((message) => message.id);

    const renamed = randomUUID();
    await prisma.session.update({ where: { id: graph.session.id }, data: { id: renamed } });
    expect(await prisma.message.count({ where: { id: { in: messageIds }, sessionId: renamed } })).toBe(2);
    expect((await prisma.inference.findUniqueOrThrow({ where: { id: graph.inference.id } })).sessionId).toBe(renamed);

    await prisma.session.delete({ where: { id: renamed } });

    expect(await prisma.message.count({ where: { id: { in: messageIds } } })).toBe(0);
    const orphan = await prisma.inference.findUniqueOrThrow({ where: { id: graph.inference.id } });
    expect(orphan.sessionId).toBeNull();
    expect(orphan.requestId).toEqual(graph.inference.requestId);
  });

  it("set agent and conversation references null when those are deleted", async () => {
    const graph = fullGraph();
    await createGraph(graph);

    await prisma.conversation.delete({ where: { id: graph.conversation.id } });
    expect((await prisma.session.findUniqueOrThrow({ where: { id: graph.session.id } })).conversationId).toBeNull();

    const conversation = await prisma.conversation.create({ data: { id: randomUUID(), agentId: graph.agent.id } });
    await prisma.agent.delete({ where: { id: graph.agent.id } });
    expect((await prisma.session.findUniqueOrThrow({ where: { id: graph.session.id } })).agentId).toBeNull();
    expect((await prisma.conversation.findUniqueOrThrow({ where: { id: conversation.id } })).agentId).toBeNull();
    expect(await prisma.message.count({ where: { sessionId: graph.session.id } })).toBe(2);
  });

  it("name indexes and foreign keys by Prisma's conventions", async () => {
    const indexes = await queryTestDatabase<{ table: string; name: string; unique: number; columns: string }>(
      database.url,
      `SELECT TABLE_NAME AS \`table\`, INDEX_NAME AS name, MIN(1 - NON_UNIQUE) AS \`unique\`,
              GROUP_CONCAT(COLUMN_NAME ORDER BY SEQ_IN_INDEX) AS columns
       FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? AND TABLE_NAME <> '_prisma_migrations'
       GROUP BY TABLE_NAME, INDEX_NAME`,
      [database.name],
    );
    const describe = (index: (typeof indexes)[number]) => `${index.table}.${index.name}${Number(index.unique) === 1 ? " unique" : ""} (${index.columns})`;
    expect(indexes.map(describe).sort()).toEqual(
      [
        "agents.PRIMARY unique (id)",
        "agents.agents_key_key unique (key)",
        "agents.agents_deleted_at_id_idx (deleted_at,id)",
        "conversations.PRIMARY unique (id)",
        "conversations.conversations_agent_id_idx (agent_id)",
        "sessions.PRIMARY unique (id)",
        "sessions.sessions_external_key_created_at_idx (external_key,created_at)",
        "sessions.sessions_conversation_id_created_at_idx (conversation_id,created_at)",
        "sessions.sessions_agent_id_created_at_idx (agent_id,created_at)",
        "messages.PRIMARY unique (id)",
        "messages.messages_session_id_position_key unique (session_id,position)",
        "inferences.PRIMARY unique (id)",
        "inferences.inferences_request_id_key unique (request_id)",
        "inferences.inferences_session_id_created_at_idx (session_id,created_at)",
        "inference_claims.PRIMARY unique (claim_key)",
      ].sort(),
    );
    const foreignKeys = await queryTestDatabase<Record<string, string>>(
      database.url,
      `SELECT CONSTRAINT_NAME AS name, TABLE_NAME AS \`table\`, REFERENCED_TABLE_NAME AS referenced, DELETE_RULE AS onDelete, UPDATE_RULE AS onUpdate
       FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = ? ORDER BY CONSTRAINT_NAME`,
      [database.name],
    );
    expect(foreignKeys).toEqual([
      { name: "conversations_agent_id_fkey", table: "conversations", referenced: "agents", onDelete: "SET NULL", onUpdate: "CASCADE" },
      { name: "inferences_session_id_fkey", table: "inferences", referenced: "sessions", onDelete: "SET NULL", onUpdate: "CASCADE" },
      { name: "messages_session_id_fkey", table: "messages", referenced: "sessions", onDelete: "CASCADE", onUpdate: "CASCADE" },
      { name: "sessions_agent_id_fkey", table: "sessions", referenced: "agents", onDelete: "SET NULL", onUpdate: "CASCADE" },
      { name: "sessions_conversation_id_fkey", table: "sessions", referenced: "conversations", onDelete: "SET NULL", onUpdate: "CASCADE" },
    ]);
  });
});
