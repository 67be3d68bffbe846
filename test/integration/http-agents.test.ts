import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Service } from "../../src/main.ts";
import { HttpTestClient, httpTestConfig, startHttpTestService, type LooseJson } from "../support/http-test-service.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";
import { uniqueNames } from "../support/test-service.ts";

let database: TestDatabase;
let service: Service;
let client: HttpTestClient;

beforeAll(async () => {
  database = await createTestDatabase();
  service = await startHttpTestService(httpTestConfig(uniqueNames(), { http: { max_page_size: 3 } }), { databaseUrl: database.url });
  client = new HttpTestClient(service.httpUrl);
});

afterAll(async () => {
  await service?.stop();
  await database?.drop();
});

const expectError = (result: { status: number; body: LooseJson }, status: number, code: string) => {
  expect(result.status).toBe(status);
  expect(Object.keys(result.body)).toEqual(["error"]);
  expect(result.body.error).toMatchObject({ code, message: expect.any(String), details: expect.any(Object) });
};

describe("agent catalog over HTTP", () => {
  it("creates, reads (by id and key), updates and soft-deletes an agent", async () => {
    const created = await client.post("/v1/agents", {
      key: "support-bot",
      display_name: "Support",
      system_prompt: "You help.",
      default_model: "main",
      fallback_models: ["fast", "ghost-model", "general"],
      temperature: 0.3,
      tools: [{ name: "lookup", description: "find a ticket", parameters: { type: "object" } }],
      metadata: { team: "care" },
    });
    expect(created.status).toBe(201);
    const agent = created.body;
    expect(agent).toMatchObject({
      key: "support-bot",
      display_name: "Support",
      default_model: "main",
      fallback_models: ["fast", "ghost-model", "general"],
      unsupported_models: ["ghost-model"],
      tools: [{ name: "lookup", description: "find a ticket", parameters: { type: "object" } }],
      metadata: { team: "care" },
    });
    expect(agent.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);

    expect((await client.get(`/v1/agents/${agent.id}`)).body).toEqual(agent);
    expect((await client.get("/v1/agents/support-bot")).body).toEqual(agent);

    const updated = await client.patch(`/v1/agents/${agent.id}`, { display_name: "Support v2", system_prompt: null, fallback_models: [] });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ display_name: "Support v2", system_prompt: null, fallback_models: [], unsupported_models: [], temperature: 0.3 });

    expect((await client.delete(`/v1/agents/${agent.id}`)).status).toBe(204);
    expectError(await client.get(`/v1/agents/${agent.id}`), 404, "E_NOT_FOUND");
    expectError(await client.delete(`/v1/agents/${agent.id}`), 404, "E_NOT_FOUND");
    expectError(await client.patch(`/v1/agents/${agent.id}`, { display_name: "x" }), 404, "E_NOT_FOUND");
    // A deleted agent's key stays taken.
    expectError(await client.post("/v1/agents", { key: "support-bot" }), 409, "E_CONFLICT");
  });

  it("answers 409 for a key already taken, on create and on rename", async () => {
    expect((await client.post("/v1/agents", { key: "dup-a" })).status).toBe(201);
    const b = await client.post("/v1/agents", { key: "dup-b" });
    const conflict = await client.post("/v1/agents", { key: "dup-a" });
    expectError(conflict, 409, "E_CONFLICT");
    expect(conflict.body.error.details).toMatchObject({ field: "key" });
    expectError(await client.patch(`/v1/agents/${b.body.id}`, { key: "dup-a" }), 409, "E_CONFLICT");
  });

  it("answers 400 naming the field for invalid bodies", async () => {
    const missing = await client.post("/v1/agents", { display_name: "no key" });
    expectError(missing, 400, "E_REQUEST_INVALID");
    expect(missing.body.error.message).toBe("key: is required");
    expect(missing.body.error.details).toEqual({ location: "body", issues: [{ field: "key", message: "is required" }] });

    const temperature = await client.post("/v1/agents", { key: "hot", temperature: 7 });
    expectError(temperature, 400, "E_REQUEST_INVALID");
    expect(temperature.body.error.message).toMatch(/^temperature: /);

    const unknown = await client.post("/v1/agents", { key: "typo", sytem_prompt: "x" });
    expectError(unknown, 400, "E_REQUEST_INVALID");
    expect(unknown.body.error.message).toBe("sytem_prompt: unknown field");

    const tools = await client.post("/v1/agents", { key: "tools", tools: [{ description: "no name" }] });
    expect(tools.body.error.message).toMatch(/^tools\.0\.name: /);

    expectError(await client.post("/v1/agents", { key: "bad key!" }), 400, "E_REQUEST_INVALID");
    expectError(await client.patch("/v1/agents/dup-a", {}), 400, "E_REQUEST_INVALID");
    expectError(await client.post("/v1/agents", "{not json"), 400, "E_REQUEST_INVALID");
    expectError(await client.post("/v1/agents", "key=x", { headers: { "content-type": "text/plain" } }), 415, "E_MEDIA_TYPE_UNSUPPORTED");
  });

  it("lists live agents with cursor pagination across pages", async () => {
    const keys = ["page-1", "page-2", "page-3", "page-4", "page-5"];
    for (const key of keys) expect((await client.post("/v1/agents", { key })).status).toBe(201);

    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: LooseJson = await client.get(`/v1/agents?limit=2${cursor ? `&cursor=${cursor}` : ""}`);
      expect(page.status).toBe(200);
      expect(page.body.data.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.data.map((agent: { key: string }) => agent.key));
      cursor = page.body.next_cursor;
      pages += 1;
    } while (cursor !== null && pages < 20);
    expect(cursor).toBeNull();
    // Every live agent once, in creation order (UUIDv7 ids); the deleted one is absent.
    expect(seen.filter((key) => key.startsWith("page-"))).toEqual(keys);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).not.toContain("support-bot");

    const defaultPage = await client.get("/v1/agents");
    expect(defaultPage.body.data).toHaveLength(3); // http.max_page_size
    const tooMany = await client.get("/v1/agents?limit=4");
    expectError(tooMany, 400, "E_REQUEST_INVALID");
    expect(tooMany.body.error.message).toMatch(/^limit: /);
    const badCursor = await client.get("/v1/agents?cursor=bm90LWpzb24");
    expectError(badCursor, 400, "E_REQUEST_INVALID");
    expect(badCursor.body.error.message).toBe("cursor: invalid cursor");
  });

  it("answers unknown routes with 404 in the same shape", async () => {
    const result = await client.get("/v1/nothing-here");
    expectError(result, 404, "E_NOT_FOUND");
    expect(result.body.error.details).toEqual({ method: "GET", path: "/v1/nothing-here" });
  });
});
