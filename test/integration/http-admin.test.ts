import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Service } from "../../src/main.ts";
import type { MockProviderServer } from "../../src/providers/mock/mock-provider-server.ts";
import { HttpTestClient, httpTestConfig, startHttpTestService, testApiKey } from "../support/http-test-service.ts";
import { TcpProxy } from "../support/tcp-proxy.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";
import { uniqueNames } from "../support/test-service.ts";

let database: TestDatabase;
let proxy: TcpProxy;
let service: Service;
let client: HttpTestClient;

beforeAll(async () => {
  database = await createTestDatabase();
  const target = new URL(database.url);
  proxy = await TcpProxy.start({ host: target.hostname, port: Number(target.port || 3306) });
  const viaProxy = new URL(database.url);
  viaProxy.port = String(proxy.port);
  service = await startHttpTestService(httpTestConfig(uniqueNames(), { http: { body_limit_bytes: 2_048 } }), { databaseUrl: viaProxy.toString() });
  client = new HttpTestClient(service.httpUrl);
});

afterAll(async () => {
  await service?.stop();
  await proxy?.down();
  await database?.drop();
});

describe("bearer auth", () => {
  it("lets /healthz through and answers 401 in the error shape everywhere else", async () => {
    expect((await client.get("/healthz", { auth: false })).status).toBe(200);
    for (const path of ["/readyz", "/metrics", "/v1/models", "/v1/endpoints", "/v1/agents", "/v1/no-such-route"]) {
      const missing = await client.get(path, { auth: false });
      expect(missing.status, path).toBe(401);
      expect(missing.body.error).toMatchObject({ code: "E_UNAUTHORIZED", message: expect.stringContaining("missing bearer token") });
      expect(missing.headers.get("www-authenticate")).toBe('Bearer realm="modelbus"');
      const wrong = await client.get(path, { auth: `${testApiKey}x` });
      expect(wrong.status, path).toBe(401);
      expect(wrong.body.error.message).toBe("invalid bearer token");
    }
    const basic = await client.get("/v1/models", { auth: false, headers: { authorization: `Basic ${testApiKey}` } });
    expect(basic.status).toBe(401);
    const chat = await client.post("/v1/chat/completions", { model: "main", messages: [{ role: "user", content: "hi" }] }, { auth: false });
    expect(chat.status).toBe(401);
    expect((await client.get("/metrics")).status).toBe(200);
  });

  it("refuses to start on a non-loopback address without a key", async () => {
    const config = httpTestConfig(uniqueNames(), { store: { enabled: false } });
    await expect(startHttpTestService(config, { host: "0.0.0.0", apiKey: undefined })).rejects.toMatchObject({
      code: "E_CONFIG_INVALID",
      message: expect.stringContaining("MODELBUS_API_KEY"),
    });
  });
});

describe("admin routes", () => {
  it("limits the body size with 413 in the error shape", async () => {
    const result = await client.post("/v1/agents", { key: "big", system_prompt: "x".repeat(4_096) });
    expect(result.status).toBe(413);
    expect(result.body.error.code).toBe("E_BODY_TOO_LARGE");
  });

  it("reports ready with NATS, MySQL and migrations, and flips while MySQL is unreachable", async () => {
    const readiness = async () => client.get<{ status: string; checks: Record<string, boolean> }>("/readyz");
    const ready = await readiness();
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({ status: "ready", checks: { nats: true, mysql: true, migrations: true } });

    await proxy.down();
    await expect.poll(async () => (await readiness()).status, { timeout: 10_000 }).toBe(503);
    const down = await readiness();
    expect(down.body.status).toBe("not_ready");
    expect(down.body.checks.mysql).toBe(false);
    // Catalog reads fail as a 503 in the error shape, not a crash.
    const agents = await client.get("/v1/agents");
    expect(agents.status).toBe(503);
    expect(agents.body.error.code).toBe("E_STORE_UNAVAILABLE");
    // A chat request without an id needs no claim, but is refused as before, without a model call.
    const mock = service.mockProvider as MockProviderServer;
    const calls = mock.requests.length;
    const chat = { model: "main", messages: [{ role: "user", content: "hi" }] };
    const refused = await client.post("/v1/chat/completions", chat);
    expect(refused.status).toBe(503);
    expect(refused.body.error.code).toBe("E_STORE_UNAVAILABLE");
    expect(mock.requests.length).toBe(calls);
    await proxy.up();
    await expect.poll(async () => (await readiness()).status, { timeout: 15_000 }).toBe(200);
    expect((await client.get("/v1/agents")).status).toBe(200);
    expect((await client.post("/v1/chat/completions", chat)).status).toBe(200);
  });
});
