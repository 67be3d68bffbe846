/**
 * Fault 5: the NATS server goes away while requests are in flight and comes back on the
 * same port and store. A private nats-server (JetStream, file store) is used: the shared
 * one on 4222 serves every other test file and is never restarted.
 */
import { describe, expect, it } from "vitest";
import type { MockBehaviour } from "../../src/providers/mock/mock-behaviour.ts";
import type { MockProviderServer } from "../../src/providers/mock/mock-provider-server.ts";
import {
  collectResponses,
  consumerBacklog,
  expectExactlyOnce,
  faultConfig,
  metricValue,
  orchestratorAt,
  publishAll,
  sleep,
  startFaultService,
} from "../support/fault-kit.ts";
import { PrivateNats } from "../support/private-nats.ts";
import { uniqueNames, userRequest } from "../support/test-service.ts";
import { cleanupAfterEach } from "../support/cleanups.ts";

const defer = cleanupAfterEach();

describe("fault 5: NATS restarted with requests in flight", () => {
  it.each(["SIGTERM", "SIGKILL"] as const)(
    "reconnects by itself after a %s of the server and answers every request exactly once",
    { timeout: 60_000 },
    async (signal) => {
      const server = await PrivateNats.start();
      defer(() => server.dispose());
      const names = uniqueNames();
      const service = await startFaultService(
        faultConfig(names, { nats: { concurrency: 8, ack_wait: "4s", heartbeat_interval: "1s", nak_delay: "300ms", max_deliver: 20 } }),
        { natsUrl: server.url },
      );
      defer(() => service.stop());
      const orchestrator = await orchestratorAt(names, server.url);
      defer(() => orchestrator.close());
      const mock = service.mockProvider as MockProviderServer;
      const slow: MockBehaviour = { kind: "text", content: "slow but sure", delay_ms: 1_200 };
      mock.enqueue("main-model", ...Array.from({ length: 30 }, () => slow));

      const ids = await publishAll(
        orchestrator,
        Array.from({ length: 30 }, (_, index) => userRequest(`restart-${index}`, "main", `restart-${index}`)),
      );
      await expect.poll(() => mock.inFlight, { timeout: 10_000 }).toBe(8);

      await server.down(signal); // 8 calls in flight, 22 requests still in the stream
      await sleep(2_000); // the in-flight calls finish while NATS is away
      await server.up();

      const responses = await collectResponses(orchestrator, ids, 40_000);
      for (const response of responses.values()) expect(response).toMatchObject({ status: "complete", message: { content: expect.any(String) } });
      // Past another ack_wait: a redelivery of an answered request must not answer it again.
      await expectExactlyOnce(orchestrator, ids, 4_500);
      await expect.poll(async () => (await consumerBacklog(orchestrator, names)).ackPending, { timeout: 10_000 }).toBe(0);
      expect((await consumerBacklog(orchestrator, names)).pending).toBe(0);
      expect(await (await fetch(`${service.httpUrl}/readyz`)).json()).toMatchObject({ status: "ready" });

      // The model is called again only for answers that could not be published during the
      // outage (nak'd, publish_failed) or whose ack the server lost; JetStream dropped the
      // second publish of each of those (same Nats-Msg-Id), so the counts above hold.
      expect(mock.requestsFor("main-model").length).toBeGreaterThanOrEqual(30);
      expect(await metricValue(service, "modelbus_deliveries_total", { outcome: "ack" })).toBeGreaterThanOrEqual(30);
    },
  );
});
