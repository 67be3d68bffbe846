import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Service } from "../../src/main.ts";
import type { MockProviderServer } from "../../src/providers/mock/mock-provider-server.ts";
import { HttpTestClient, httpTestConfig, sseData, startHttpTestService } from "../support/http-test-service.ts";
import { createTestDatabase, queryTestDatabase, type TestDatabase } from "../support/test-database.ts";
import { uniqueNames } from "../support/test-service.ts";

const ttlMs = 2_000;
let database: TestDatabase;
let service: Service;
let client: HttpTestClient;
let mock: MockProviderServer;

beforeAll(async () => {
  database = await createTestDatabase();
  service = await startHttpTestService(httpTestConfig(uniqueNames(), { http: { idempotency_ttl: `${ttlMs}ms` } }), { databaseUrl: database.url });
  client = new HttpTestClient(service.httpUrl);
  mock = service.mockProvider as MockProviderServer;
  expect((await client.post("/v1/agents", { key: "clerk", default_model: "main" })).status).toBe(201);
});

afterAll(async () => {
  await service?.stop();
  await database?.drop();
});

async function newSession(): Promise<string> {
  return (await client.post("/v1/sessions", { agent: "clerk" })).body.id as string;
}

const messageCount = async (sessionId: string) => (await client.get(`/v1/sessions/${sessionId}`)).body.message_count as number;
const keyed = (key: string) => ({ headers: { "idempotency-key": key } });

describe("Idempotency-Key on POST /v1/sessions/{id}/messages", () => {
  it("answers a retried POST with the first answer and exactly one model call", async () => {
    const sessionId = await newSession();
    const before = mock.requests.length;
    const first = await client.post(`/v1/sessions/${sessionId}/messages`, { content: "book a table" }, keyed("retry-1"));
    const second = await client.post(`/v1/sessions/${sessionId}/messages`, { content: "book a table" }, keyed("retry-1"));
    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
    expect(first.body.replayed).toBe(false);
    expect(second.body).toEqual({ ...first.body, replayed: true });
    expect(second.headers.get("idempotent-replayed")).toBe("true");
    expect(mock.requests.length).toBe(before + 1);
    expect(await messageCount(sessionId)).toBe(2);

    // A replay may ask for SSE: the stored answer streams as one delta.
    const streamed = await client.post(`/v1/sessions/${sessionId}/messages`, { content: "book a table", stream: true }, keyed("retry-1"));
    const chunks = sseData(streamed.text)
      .slice(0, -1)
      .map((payload) => JSON.parse(payload));
    expect(chunks.map((chunk) => chunk.choices[0]?.delta?.content ?? "").join("")).toBe(first.body.message.content);
    expect(mock.requests.length).toBe(before + 1);
  });

  it("runs concurrent retries of one key once", async () => {
    const sessionId = await newSession();
    const before = mock.requests.length;
    const body = { content: "[mock:delay=150] slow one" };
    const results = await Promise.all([1, 2, 3].map(() => client.post(`/v1/sessions/${sessionId}/messages`, body, keyed("burst"))));
    expect(results.map((result) => result.status)).toEqual([200, 200, 200]);
    expect(results.filter((result) => result.body.replayed === false)).toHaveLength(1);
    expect(new Set(results.map((result) => result.body.message.content)).size).toBe(1);
    expect(mock.requests.length).toBe(before + 1);
    expect(await messageCount(sessionId)).toBe(2);
  });

  it("refuses the same key with a different body (422) and keeps keys per session", async () => {
    const sessionId = await newSession();
    expect((await client.post(`/v1/sessions/${sessionId}/messages`, { content: "first body" }, keyed("reused"))).status).toBe(200);
    const reused = await client.post(`/v1/sessions/${sessionId}/messages`, { content: "another body" }, keyed("reused"));
    expect(reused.status).toBe(422);
    expect(reused.body.error).toMatchObject({ code: "E_IDEMPOTENCY_KEY_REUSED", details: { header: "idempotency-key" } });
    expect(await messageCount(sessionId)).toBe(2);

    const otherSession = await newSession();
    expect((await client.post(`/v1/sessions/${otherSession}/messages`, { content: "another body" }, keyed("reused"))).status).toBe(200);
  });

  it("forgets a key after http.idempotency_ttl, keeping the first inference", async () => {
    const sessionId = await newSession();
    const before = mock.requests.length;
    const first = await client.post(`/v1/sessions/${sessionId}/messages`, { content: "again later" }, keyed("ttl"));
    await new Promise((resolve) => setTimeout(resolve, ttlMs + 300));
    const later = await client.post(`/v1/sessions/${sessionId}/messages`, { content: "again later" }, keyed("ttl"));
    expect(later.status).toBe(200);
    expect(later.body.replayed).toBe(false);
    expect(later.body.request_id).toBe(first.body.request_id);
    expect(mock.requests.length).toBe(before + 2);
    expect(await messageCount(sessionId)).toBe(4);
    const rows = await queryTestDatabase<{ request_id: string }>(
      database.url,
      "SELECT CONVERT(request_id USING utf8mb4) AS request_id FROM inferences WHERE session_id = ? ORDER BY created_at",
      [sessionId],
    );
    expect(rows.map((row) => row.request_id)).toEqual([expect.stringMatching(/^expired:/), first.body.request_id]);

    // After expiry a different body under the same key is a new request, not a 422.
    await new Promise((resolve) => setTimeout(resolve, ttlMs + 300));
    expect((await client.post(`/v1/sessions/${sessionId}/messages`, { content: "something else" }, keyed("ttl"))).status).toBe(200);
  });

  it("validates the key", async () => {
    const sessionId = await newSession();
    const bad = await client.post(`/v1/sessions/${sessionId}/messages`, { content: "x" }, keyed("has space"));
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/^idempotency-key: /);
  });
});

describe("requests without a client id", () => {
  /** Claim rows while a slow request is in flight, then its stored inference. */
  async function claimsWhileInFlight(path: string, body: unknown, headers: Record<string, string>) {
    const inFlight = client.post(path, body, { headers });
    await expect.poll(() => mock.inFlight, { timeout: 5_000 }).toBeGreaterThan(0);
    const [claims] = await queryTestDatabase<{ count: number }>(database.url, "SELECT COUNT(*) AS count FROM inference_claims");
    const answered = await inFlight;
    expect(answered.status).toBe(200);
    const requestId = answered.headers.get("x-request-id") as string;
    const stored = await queryTestDatabase<{ status: string }>(database.url, "SELECT status FROM inferences WHERE request_id = ?", [requestId]);
    return { claims: Number(claims?.count), stored, requestId };
  }

  it("write no claim (their id was made here, nobody else holds it) but are stored; a client's id is claimed", async () => {
    const chat = { model: "main", messages: [{ role: "user", content: "[mock:delay=300] slow" }] };
    await expect
      .poll(async () => Number((await queryTestDatabase<{ count: number }>(database.url, "SELECT COUNT(*) AS count FROM inference_claims"))[0]?.count), {
        timeout: 3_000,
      })
      .toBe(0);
    const fresh = await claimsWhileInFlight("/v1/chat/completions", chat, {});
    expect(fresh.claims).toBe(0);
    expect(fresh.requestId).toMatch(/^http-/);
    expect(fresh.stored).toEqual([{ status: "complete" }]);

    const turn = await claimsWhileInFlight(`/v1/sessions/${await newSession()}/messages`, { content: "[mock:delay=300] slow turn" }, {});
    expect(turn.claims).toBe(0);
    expect(turn.stored).toEqual([{ status: "complete" }]);

    const named = await claimsWhileInFlight("/v1/chat/completions", chat, { "x-request-id": `client-${Date.now()}` });
    expect(named.claims).toBe(1);
    expect(named.stored).toEqual([{ status: "complete" }]);
  });
});
