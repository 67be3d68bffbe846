/**
 * Fault 6, the gaps store-outage.test.ts leaves: MySQL goes away while calls are in flight
 * at the provider (the outcome write fails after the model answered), and an outage that
 * outlasts JetStream's max_deliver.
 */
import { describe, expect, it } from "vitest";
import type { MockBehaviour } from "../../src/providers/mock/mock-behaviour.ts";
import type { MockProviderServer } from "../../src/providers/mock/mock-provider-server.ts";
import {
  callsByRequest,
  collectResponses,
  consumerBacklog,
  expectExactlyOnce,
  faultConfig,
  metricValue,
  proxiedTestDatabase,
  publishAll,
  startFaultService,
  type FaultOverrides,
} from "../support/fault-kit.ts";
import { storedStatuses } from "../support/test-database.ts";
import { TestOrchestrator, uniqueNames, userRequest } from "../support/test-service.ts";
import { cleanupAfterEach } from "../support/cleanups.ts";

const defer = cleanupAfterEach();

/** A service whose MySQL is reached through a proxy the test can cut. */
async function setUp(overrides: FaultOverrides) {
  const { database, proxy, url } = await proxiedTestDatabase(defer);
  const names = uniqueNames();
  const service = await startFaultService(faultConfig(names, overrides), { databaseUrl: url });
  defer(() => service.stop());
  const orchestrator = await TestOrchestrator.connect(names);
  defer(() => orchestrator.close());
  return { database, proxy, names, service, orchestrator, mock: service.mockProvider as MockProviderServer };
}

/** Waits until a write has failed for want of the database (the pool gives up after 10s). */
async function writeFailed(service: Awaited<ReturnType<typeof setUp>>["service"], atLeast = 1) {
  await expect
    .poll(() => metricValue(service, "modelbus_errors_total", { code: "E_STORE_UNAVAILABLE" }), { timeout: 20_000, interval: 200 })
    .toBeGreaterThanOrEqual(atLeast);
}

describe("fault 6: MySQL unreachable while calls are in flight", () => {
  it("keeps the model's answer while its claim is leased: stored and published once MySQL is back, the model called once", { timeout: 45_000 }, async () => {
    const { database, proxy, names, service, orchestrator, mock } = await setUp({
      service: { timeout: "3s" },
      store: { enabled: true, lease_margin: "30s" },
      nats: { nak_delay: "300ms", max_deliver: 100 },
    });
    const slow: MockBehaviour = { kind: "text", content: "answered during the outage", delay_ms: 1_000 };
    mock.enqueue("main-model", ...Array.from({ length: 5 }, () => slow));
    const ids = await publishAll(
      orchestrator,
      Array.from({ length: 5 }, (_, index) => userRequest(`inflight-${index}`, "main", `inflight-${index}`)),
    );
    await expect.poll(() => mock.inFlight, { timeout: 10_000 }).toBe(5); // claimed, calls under way

    await proxy.down();
    await expect.poll(() => mock.inFlight, { timeout: 5_000 }).toBe(0); // the model answered
    const cutAt = Date.now();
    // The outcome writes failed, every item of the batch at once (not one pool timeout of 10s after another).
    await writeFailed(service, ids.length);
    expect(Date.now() - cutAt).toBeLessThan(15_000);
    for (const id of ids) expect(await orchestrator.responseCount(id)).toBe(0);
    await proxy.up();

    const responses = await collectResponses(orchestrator, ids, 20_000);
    for (const response of responses.values()) expect(response).toMatchObject({ status: "complete", message: { content: "answered during the outage" } });
    await expectExactlyOnce(orchestrator, ids, 500);
    expect(await storedStatuses(database.url, ids)).toEqual(ids.map(() => "complete"));
    for (const [id, calls] of callsByRequest(mock, "main-model")) expect(calls.length, id).toBe(1);
    expect(await metricValue(service, "modelbus_deliveries_total", { outcome: "nak" })).toBe(0); // held, never handed back
    await expect.poll(async () => (await consumerBacklog(orchestrator, names)).ackPending, { timeout: 5_000 }).toBe(0);
  });

  it("calls the model again only when the lease ran out before MySQL came back (the documented at-least-once edge)", { timeout: 45_000 }, async () => {
    const { database, proxy, names, service, orchestrator, mock } = await setUp({
      service: { timeout: "2s" },
      store: { enabled: true, lease_margin: "1s" },
      nats: { nak_delay: "300ms", max_deliver: 100 },
    });
    mock.enqueue("main-model", ...Array.from({ length: 3 }, (): MockBehaviour => ({ kind: "text", content: "first answer, lost", delay_ms: 500 })));
    const ids = await publishAll(
      orchestrator,
      Array.from({ length: 3 }, (_, index) => userRequest(`expired-${index}`, "main", `expired-${index}`)),
    );
    await expect.poll(() => mock.inFlight, { timeout: 10_000 }).toBe(3);
    await proxy.down();
    await writeFailed(service); // after 10s: the 3s lease is long over
    await expect.poll(() => metricValue(service, "modelbus_deliveries_total", { outcome: "nak", reason: "store_write_failed" }), { timeout: 10_000 }).toBe(3);
    await proxy.up();

    const responses = await collectResponses(orchestrator, ids, 20_000);
    for (const response of responses.values())
      expect(response).toMatchObject({ status: "complete", message: { content: expect.stringMatching(/^mock answer: expired-/) } });
    await expectExactlyOnce(orchestrator, ids, 500);
    expect(await storedStatuses(database.url, ids)).toEqual(ids.map(() => "complete"));
    for (const [id, calls] of callsByRequest(mock, "main-model")) expect(calls.length, id).toBe(2);
    await expect.poll(async () => (await consumerBacklog(orchestrator, names)).ackPending, { timeout: 5_000 }).toBe(0);
  });

  it("answers E_STORE_UNAVAILABLE on JetStream's last delivery when the outage outlasts max_deliver: nothing is lost", { timeout: 80_000 }, async () => {
    const { proxy, names, service, orchestrator, mock } = await setUp({
      store: { enabled: true },
      nats: { nak_delay: "200ms", max_deliver: 2 },
    });
    expect((await orchestrator.send(userRequest("warm-up", "main"))).status).toBe("complete");
    await proxy.down();
    // More requests than store.max_concurrent_batches (4): the rest wait and go as one batch,
    // which must fail as a whole after one pool timeout (10s), not item after item.
    const ids = await publishAll(
      orchestrator,
      Array.from({ length: 10 }, (_, index) => userRequest(`long-outage-${index}`, "main", `long-outage-${index}`)),
    );

    // Two deliveries, each waiting out the pool's 10s connection timeout, some behind a batch.
    const responses = await collectResponses(orchestrator, ids, 60_000);
    for (const response of responses.values()) {
      expect(response).toMatchObject({ status: "error", error_code: "E_STORE_UNAVAILABLE", message: { role: "" } });
      expect(response.error).toContain("last delivery (nats.max_deliver 2)");
    }
    await expectExactlyOnce(orchestrator, ids, 500);
    expect(mock.requestsFor("main-model")).toHaveLength(1); // the model is never called for an unclaimed request
    expect(await metricValue(service, "modelbus_deliveries_total", { outcome: "ack", reason: "last_delivery" })).toBe(ids.length);
    await expect.poll(async () => (await consumerBacklog(orchestrator, names)).ackPending, { timeout: 5_000 }).toBe(0);
    await proxy.up();
  });
});
