import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Service } from "../../src/main.ts";
import type { MockProviderServer } from "../../src/providers/mock/mock-provider-server.ts";
import { createCatalogPrismaClient } from "../../src/store/create-prisma-client.ts";
import { InferenceRepository, type InferenceQuery } from "../../src/store/inference-repository.ts";
import { HttpTestClient, httpTestConfig, startHttpTestService, type HttpResult } from "../support/http-test-service.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";
import { TestOrchestrator, uniqueNames, userRequest } from "../support/test-service.ts";

const names = uniqueNames();
let database: TestDatabase;
let service: Service;
let client: HttpTestClient;
let orchestrator: TestOrchestrator;

/** Sent in this order: [request id, model, failing, extra fields]. */
const sent: Array<[string, string, boolean, Record<string, unknown>]> = [
  ["inf-1", "main", false, { agent: "planner", loop_id: "loop-a" }],
  ["inf-2", "main", true, { agent: "planner", loop_id: "loop-a" }],
  ["inf-3", "fast", false, {}],
  ["inf-4", "main", true, { loop_id: "loop-b" }],
  ["inf-5", "fast", true, { agent: "planner" }],
  ["inf-6", "main", false, { agent: "planner", loop_id: "loop-a" }],
];
const newestFirst = (ids: string[]) => [...ids].reverse();
const idsWhere = (keep: (entry: (typeof sent)[number]) => boolean) => newestFirst(sent.filter(keep).map(([id]) => id));

beforeAll(async () => {
  database = await createTestDatabase();
  service = await startHttpTestService(httpTestConfig(names, { retry: { max_attempts: 1 } }), { databaseUrl: database.url });
  client = new HttpTestClient(service.httpUrl);
  orchestrator = await TestOrchestrator.connect(names);
  expect((await client.post("/v1/agents", { key: "planner", default_model: "main" })).status).toBe(201);
  const mock = service.mockProvider as MockProviderServer;
  for (const [id, model, failing, extra] of sent) {
    if (failing) mock.enqueue(model === "fast" ? "spare-model" : "main-model", { kind: "error", status: 400, message: "refused" });
    await orchestrator.send(userRequest(id, model, "hi", extra));
  }
}, 60_000);

afterAll(async () => {
  await orchestrator?.close();
  await service?.stop();
  await database?.drop();
});

async function walk(path: string): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const separator = path.includes("?") ? "&" : "?";
    const page: HttpResult = await client.get(`${path}${cursor ? `${separator}cursor=${cursor}` : ""}`);
    expect(page.status, page.text).toBe(200);
    ids.push(...page.body.data.map((row: { request_id: string }) => row.request_id));
    cursor = page.body.next_cursor;
    pages += 1;
  } while (cursor !== null);
  return { ids, pages };
}

describe("GET /v1/inferences", () => {
  it("lists every inference newest first, page by page", async () => {
    const { ids, pages } = await walk("/v1/inferences?limit=2");
    expect(ids).toEqual(newestFirst(sent.map(([id]) => id)));
    expect(pages).toBe(3);
    const [latest] = (await client.get("/v1/inferences?limit=1")).body.data;
    expect(latest).toMatchObject({
      request_id: "inf-6",
      endpoint: "main",
      provider_model: "main-model",
      status: "complete",
      agent: "planner",
      loop_id: "loop-a",
      retry_count: 0,
      error_code: null,
    });
    expect(Object.keys(latest).sort()).toEqual(
      [
        "agent",
        "completed_at",
        "completion_tokens",
        "cost",
        "created_at",
        "endpoint",
        "error_code",
        "finish_reason",
        "id",
        "latency_ms",
        "loop_id",
        "prompt_tokens",
        "provider_model",
        "request_id",
        "retry_count",
        "session_id",
        "status",
      ].sort(),
    );
  });

  it("filters by status, endpoint, agent and loop, alone and together", async () => {
    expect((await walk("/v1/inferences?status=error")).ids).toEqual(idsWhere(([, , failing]) => failing));
    expect((await walk("/v1/inferences?endpoint=spare")).ids).toEqual(idsWhere(([, model]) => model === "fast"));
    expect((await walk("/v1/inferences?agent=planner")).ids).toEqual(idsWhere(([, , , extra]) => extra.agent === "planner"));
    expect((await walk("/v1/inferences?loop=loop-a&status=complete&limit=1")).ids).toEqual(["inf-6", "inf-1"]);
    const [failed] = (await client.get("/v1/inferences?status=error&limit=1")).body.data;
    expect(failed).toMatchObject({ request_id: "inf-5", status: "error", error_code: expect.stringMatching(/^E_/), endpoint: "spare" });
    expect((await client.get("/v1/inferences?agent=nobody")).body).toEqual({ data: [], next_cursor: null });
  });

  it("refuses a bad filter or cursor with 400 naming it", async () => {
    for (const [query, field] of [
      ["status=done", "status"],
      ["cursor=bm9wZQ", "cursor"],
      ["limit=0", "limit"],
      ["colour=red", "colour"],
    ]) {
      const refused = await client.get(`/v1/inferences?${query}`);
      expect(refused.status, query).toBe(400);
      expect(refused.body.error.code).toBe("E_REQUEST_INVALID");
      expect(JSON.stringify(refused.body.error), query).toContain(field);
    }
  });

  it("looks at a bounded window per filtered page, and the cursor goes on past it", async () => {
    const prisma = createCatalogPrismaClient(database.url, 1);
    try {
      const repository = new InferenceRepository(prisma, 2);
      const collect = async (query: Omit<InferenceQuery, "beforeId">) => {
        const pages: string[][] = [];
        let beforeId: string | undefined;
        do {
          const page = await repository.list({ ...query, beforeId });
          pages.push(page.items.map((item) => item.requestId));
          beforeId = page.next;
        } while (beforeId !== undefined);
        return pages;
      };
      // Two rows looked at per page: six rows take three pages, one of them empty, whatever the limit.
      expect(await collect({ limit: 10, status: "error" })).toEqual([["inf-5"], ["inf-4"], ["inf-2"]]);
      expect(await collect({ limit: 10, loop: "loop-b" })).toEqual([[], ["inf-4"], []]);
      // Unfiltered pages are not bounded by the window.
      expect((await repository.list({ limit: 10 })).items).toHaveLength(6);
    } finally {
      await prisma.$disconnect();
    }
  });
});
