/**
 * Fault 8: two replicas on one durable consumer and one database; one is SIGKILLed with
 * requests in flight. After ack_wait JetStream redelivers its work to the survivor, which
 * waits out the dead replica's claims (short lease) and answers each request once.
 */
import { describe, expect, it } from "vitest";
import type { MockProviderServer } from "../../src/providers/mock/mock-provider-server.ts";
import {
  callsByRequest,
  collectResponses,
  consumerBacklog,
  expectExactlyOnce,
  faultConfig,
  faultConfigObject,
  metricValue,
  publishAll,
  recordedText,
  startFaultService,
} from "../support/fault-kit.ts";
import { ServiceProcess } from "../support/service-process.ts";
import { createTestDatabase, storedStatuses } from "../support/test-database.ts";
import { TestOrchestrator, uniqueNames, userRequest } from "../support/test-service.ts";
import { cleanupAfterEach } from "../support/cleanups.ts";

const defer = cleanupAfterEach();

describe("fault 8: a replica SIGKILLed mid-run", () => {
  it("leaves its in-flight requests to the survivor, which answers each exactly once", { timeout: 60_000 }, async () => {
    const database = await createTestDatabase();
    defer(() => database.drop());
    const names = uniqueNames();
    const overrides = {
      service: { timeout: "4s" },
      store: { enabled: true, lease_margin: "500ms" },
      nats: { concurrency: 8, ack_wait: "2s", heartbeat_interval: "500ms", nak_delay: "200ms", max_deliver: 10 },
    };
    const survivor = await startFaultService(faultConfig(names, overrides), { databaseUrl: database.url });
    defer(() => survivor.stop());
    const victim = await ServiceProcess.start({
      config: faultConfigObject(names, { ...overrides, service: { ...overrides.service, log_level: "warn" } }),
      databaseUrl: database.url,
    });
    defer(() => victim.kill());
    await victim.enqueue("main-model", Array.from({ length: 40 }, () => ({ kind: "text", content: "from the victim", delay_ms: 3_000 })));
    const orchestrator = await TestOrchestrator.connect(names);
    defer(() => orchestrator.close());

    const ids = await publishAll(orchestrator, Array.from({ length: 40 }, (_, index) => userRequest(`replica-${index}`, "main", `replica-${index}`)));
    await victim.waitFor(async () => (await victim.mockInFlight()) >= 3, 10_000);
    const inFlightAtVictim = (await victim.mockRequests()).map((record) => recordedText(record));
    expect(await victim.signal("SIGKILL")).toEqual({ code: null, signal: "SIGKILL" });

    const responses = await collectResponses(orchestrator, ids, 30_000);
    for (const [id, response] of responses) expect(response, id).toMatchObject({ status: "complete", message: { content: `mock answer: ${id}` } });
    await expectExactlyOnce(orchestrator, ids, 2_500); // past another ack_wait
    const mock = survivor.mockProvider as MockProviderServer;
    const calls = callsByRequest(mock, "main-model");
    for (const id of ids) expect(calls.get(id)?.length, id).toBe(1); // the survivor called the model once per request
    for (const id of inFlightAtVictim) expect(responses.get(id)?.endpoint, id).toBe("main");
    // The redeliveries found the victim's claims leased and waited them out.
    expect(await metricValue(survivor, "modelbus_deliveries_total", { outcome: "nak", reason: "in_flight_elsewhere" })).toBeGreaterThanOrEqual(inFlightAtVictim.length);
    expect(await metricValue(survivor, "modelbus_redeliveries_total")).toBeGreaterThanOrEqual(inFlightAtVictim.length);

    expect(await storedStatuses(database.url, ids)).toEqual(ids.map(() => "complete"));
    await expect.poll(async () => (await consumerBacklog(orchestrator, names)).ackPending, { timeout: 5_000 }).toBe(0);
  });
});
