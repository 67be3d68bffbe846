/**
 * Fault 8: two replicas on one durable consumer and one database; one is SIGKILLed with
 * requests in flight. After ack_wait JetStream redelivers its work to the survivor, which
 * sees each claim was made by an earlier delivery of the same message (one JetStream gave up
 * on), takes it over at once rather than waiting out the lease, and answers each request once.
 */
import { describe, expect, it } from "vitest";
import type { Service } from "../../src/main.ts";
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
  it("leaves its in-flight requests to the survivor, which answers each exactly once, within ack_wait and not the lease", { timeout: 60_000 }, async () => {
    const database = await createTestDatabase();
    defer(() => database.drop());
    const names = uniqueNames();
    const overrides = {
      // A lease far longer than ack_wait: waiting it out would take 25 s.
      service: { timeout: "20s" },
      store: { enabled: true, lease_margin: "5s" },
      nats: { concurrency: 8, ack_wait: "2s", heartbeat_interval: "500ms", nak_delay: "200ms", max_deliver: 10 },
    };
    const survivor = await startFaultService(faultConfig(names, overrides), { databaseUrl: database.url });
    defer(() => survivor.stop());
    const victim = await ServiceProcess.start({
      config: faultConfigObject(names, { ...overrides, service: { ...overrides.service, log_level: "warn" } }),
      databaseUrl: database.url,
    });
    defer(() => victim.kill());
    await victim.enqueue(
      "main-model",
      Array.from({ length: 40 }, () => ({ kind: "text", content: "from the victim", delay_ms: 3_000 })),
    );
    const orchestrator = await TestOrchestrator.connect(names);
    defer(() => orchestrator.close());

    const ids = await publishAll(
      orchestrator,
      Array.from({ length: 40 }, (_, index) => userRequest(`replica-${index}`, "main", `replica-${index}`)),
    );
    await victim.waitFor(async () => (await victim.mockInFlight()) >= 3, 10_000);
    const inFlightAtVictim = (await victim.mockRequests()).map((record) => recordedText(record));
    expect(await victim.signal("SIGKILL")).toEqual({ code: null, signal: "SIGKILL" });
    const killedAt = Date.now();

    const responses = await collectResponses(orchestrator, ids, 30_000);
    // ack_wait (2 s) for the redelivery, then the survivor's own call; nowhere near the 25 s lease.
    expect(Date.now() - killedAt).toBeLessThan(10_000);
    for (const [id, response] of responses) expect(response, id).toMatchObject({ status: "complete", message: { content: `mock answer: ${id}` } });
    await expectExactlyOnce(orchestrator, ids, 2_500); // past another ack_wait
    const mock = survivor.mockProvider as MockProviderServer;
    const calls = callsByRequest(mock, "main-model");
    for (const id of ids) expect(calls.get(id)?.length, id).toBe(1); // the survivor called the model once per request
    for (const id of inFlightAtVictim) expect(responses.get(id)?.endpoint, id).toBe("main");
    // The redeliveries took the victim's claims over: none was handed back as busy.
    expect(await metricValue(survivor, "modelbus_deliveries_total", { outcome: "nak", reason: "in_flight_elsewhere" })).toBe(0);
    expect(await metricValue(survivor, "modelbus_redeliveries_total")).toBeGreaterThanOrEqual(inFlightAtVictim.length);

    expect(await storedStatuses(database.url, ids)).toEqual(ids.map(() => "complete"));
    await expect.poll(async () => (await consumerBacklog(orchestrator, names)).ackPending, { timeout: 5_000 }).toBe(0);
  });

  it("never lets a replica take over a request still running under an endpoint timeout longer than service.timeout", { timeout: 60_000 }, async () => {
    const database = await createTestDatabase();
    defer(() => database.drop());
    const names = uniqueNames();
    const overrides = {
      service: { timeout: "1s" },
      store: { enabled: true, lease_margin: "500ms" },
      nats: { concurrency: 4, ack_wait: "3s", heartbeat_interval: "500ms", nak_delay: "300ms", max_deliver: 50 },
      registry: {
        endpoints: { main: { provider: "mock", model: "main-model" }, patient: { provider: "mock", model: "patient-model", request_timeout: "6s" } },
      },
    };
    const replicas: Service[] = [];
    for (let index = 0; index < 2; index += 1) {
      const replica = await startFaultService(faultConfig(names, overrides), { databaseUrl: database.url });
      defer(() => replica.stop());
      replicas.push(replica);
    }
    for (const replica of replicas)
      (replica.mockProvider as MockProviderServer).enqueue("patient-model", { kind: "text", content: "worth the wait", delay_ms: 4_000 });
    const orchestrator = await TestOrchestrator.connect(names);
    defer(() => orchestrator.close());

    await orchestrator.publish(userRequest("patient-1", "patient", "take your time"));
    const callers = () => replicas.map((replica) => (replica.mockProvider as MockProviderServer).requestsFor("patient-model").length);
    await expect.poll(() => callers().reduce((sum, count) => sum + count, 0), { timeout: 5_000 }).toBe(1);
    // Past the old lease (service.timeout + lease_margin = 1.5 s), the loop publishes the request again.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    await orchestrator.publish(userRequest("patient-1", "patient", "take your time"));

    expect(await orchestrator.response("patient-1", 15_000)).toMatchObject({ status: "complete", message: { content: "worth the wait" } });
    await new Promise((resolve) => setTimeout(resolve, 1_500)); // the second message is answered from the store
    expect(callers().reduce((sum, count) => sum + count, 0)).toBe(1);
    expect(await orchestrator.responseCount("patient-1")).toBe(1);
    expect(await storedStatuses(database.url, ["patient-1"])).toEqual(["complete"]);
  });
});
