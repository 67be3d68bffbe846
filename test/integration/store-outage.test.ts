import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Service } from "../../src/main.ts";
import type { MockProviderServer } from "../../src/providers/mock/mock-provider-server.ts";
import { TcpProxy } from "../support/tcp-proxy.ts";
import { createTestDatabase, storedStatuses } from "../support/test-database.ts";
import { TestOrchestrator, startTestService, testConfig, uniqueNames, userRequest } from "../support/test-service.ts";

const names = uniqueNames();
let database: Awaited<ReturnType<typeof createTestDatabase>>;
let proxy: TcpProxy;
let service: Service;
let orchestrator: TestOrchestrator;

beforeAll(async () => {
  database = await createTestDatabase();
  const target = new URL(database.url);
  proxy = await TcpProxy.start({ host: target.hostname, port: Number(target.port || 3306) });
  const viaProxy = new URL(database.url);
  viaProxy.port = String(proxy.port);
  service = await startTestService(testConfig(names, { store: { enabled: true }, nats: { nak_delay: "300ms", max_deliver: 100 } }), {
    databaseUrl: viaProxy.toString(),
  });
  orchestrator = await TestOrchestrator.connect(names);
});

afterAll(async () => {
  await service?.stop();
  await orchestrator?.close();
  await proxy?.down();
  await database?.drop();
});

const readiness = async () => (await fetch(`${service.httpUrl}/readyz`)).json() as Promise<{ status: string; checks: Record<string, boolean> }>;

describe("MySQL outage", () => {
  it("naks while the store is unreachable, reports not ready, and loses nothing once it is back", async () => {
    expect((await orchestrator.send(userRequest("before-outage", "main"))).status).toBe("complete");
    await proxy.down();
    const ids = Array.from({ length: 5 }, (_, index) => `during-outage-${index}`);
    for (const id of ids) await orchestrator.publish(userRequest(id, "main"));

    await expect.poll(async () => (await readiness()).checks.mysql, { timeout: 10_000 }).toBe(false);
    await expect
      .poll(async () => service.metrics.registry.getSingleMetricAsString("modelbus_deliveries_total"), { timeout: 10_000 })
      .toMatch(/outcome="nak",reason="store_unavailable"} \d+/);
    expect(await service.metrics.registry.getSingleMetricAsString("modelbus_errors_total")).toMatch(/code="E_STORE_UNAVAILABLE"} \d+/);
    for (const id of ids) expect(await orchestrator.responseCount(id)).toBe(0);

    await proxy.up();
    for (const id of ids) expect((await orchestrator.response(id, 20_000)).status).toBe("complete");
    await expect.poll(async () => (await readiness()).status, { timeout: 10_000 }).toBe("ready");

    expect(await storedStatuses(database.url, ids)).toEqual(ids.map(() => "complete"));
    for (const id of ids) expect(await orchestrator.responseCount(id)).toBe(1);
    const mock = service.mockProvider as MockProviderServer;
    expect(mock.requests.length).toBe(6); // the model is not called for a request it could not claim
  });
});
