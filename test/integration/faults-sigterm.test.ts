/**
 * Fault 7: SIGTERM with requests in flight: what can finish by service.shutdown_timeout is
 * answered, the rest is cancelled, nak'd and its claim released (the real `modelbus serve`
 * and its restart run, repeated, in fault-suite.test.ts), on the NATS door and the HTTP door.
 */
import { connect } from "node:net";
import { describe, expect, it } from "vitest";
import type { MockProviderServer } from "../../src/providers/mock/mock-provider-server.ts";
import { collectResponses, consumerBacklog, expectExactlyOnce, faultConfig, metricValue, publishAll, startFaultService } from "../support/fault-kit.ts";
import { TestOrchestrator, uniqueNames, userRequest } from "../support/test-service.ts";
import { cleanupAfterEach } from "../support/cleanups.ts";

const defer = cleanupAfterEach();

function chatRequestText(model: string): string {
  const body = JSON.stringify({ model, messages: [{ role: "user", content: `to ${model}` }] });
  return `POST /v1/chat/completions HTTP/1.1\r\nHost: modelbus\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}

/** One socket: the first request at once, more with `send`, the responses read until the server closes it. */
function pipelinedExchange(url: URL, first: string): { send: (request: string) => void; answers: Promise<Array<{ status: number; body: string }>> } {
  const socket = connect(Number(url.port), url.hostname, () => socket.write(first));
  const answers = new Promise<Array<{ status: number; body: string }>>((resolve, reject) => {
    let received = "";
    socket.on("data", (chunk: Buffer) => (received += chunk.toString()));
    socket.on("error", reject);
    socket.on("close", () => {
      const answers: Array<{ status: number; body: string }> = [];
      let rest = received;
      for (
        let match = /^HTTP\/1\.1 (\d{3})[^]*?\r\ncontent-length: (\d+)[^]*?\r\n\r\n/i.exec(rest);
        match;
        match = /^HTTP\/1\.1 (\d{3})[^]*?\r\ncontent-length: (\d+)[^]*?\r\n\r\n/i.exec(rest)
      ) {
        const length = Number(match[2]);
        answers.push({ status: Number(match[1]), body: rest.slice(match[0].length, match[0].length + length) });
        rest = rest.slice(match[0].length + length);
      }
      resolve(answers);
    });
  });
  return { send: (request) => socket.write(request), answers };
}

describe("fault 7: SIGTERM with requests in flight, then a restart", () => {
  it("holds service.shutdown_timeout when every slot is busy with a hanging call", { timeout: 30_000 }, async () => {
    const names = uniqueNames();
    const config = faultConfig(names, { service: { timeout: "20s", shutdown_timeout: "300ms" }, nats: { concurrency: 2 } });
    const first = await startFaultService(config);
    defer(() => first.stop());
    const orchestrator = await TestOrchestrator.connect(names);
    defer(() => orchestrator.close());
    (first.mockProvider as MockProviderServer).enqueue("main-model", ...Array.from({ length: 6 }, () => ({ kind: "hang" as const })));
    const ids = await publishAll(
      orchestrator,
      Array.from({ length: 6 }, (_, index) => userRequest(`full-${index}`, "main", `full-${index}`)),
    );
    await expect.poll(() => (first.mockProvider as MockProviderServer).inFlight, { timeout: 5_000 }).toBe(2);

    const stopping = Date.now();
    await first.stop();
    expect(Date.now() - stopping).toBeLessThan(3_000); // not the 20s request timeout
    expect(await metricValue(first, "modelbus_deliveries_total", { outcome: "nak", reason: "E_CANCELLED" })).toBe(2);

    const second = await startFaultService(config);
    defer(() => second.stop());
    // Within ack_wait (5s) plus a margin: nats.js may publish a pull request after the
    // consume is closed, which can hold one handed-back request until its ack_wait ends.
    const responses = await collectResponses(orchestrator, ids, 10_000);
    for (const response of responses.values()) expect(response.status).toBe("complete");
    await expectExactlyOnce(orchestrator, ids, 500);
  });

  it("answers E_CANCELLED when shutdown cancels JetStream's last delivery, instead of a nak nothing would redeliver", { timeout: 30_000 }, async () => {
    const names = uniqueNames();
    const config = faultConfig(names, { service: { timeout: "20s", shutdown_timeout: "300ms" }, nats: { concurrency: 2, max_deliver: 1 } });
    const service = await startFaultService(config);
    defer(() => service.stop());
    const orchestrator = await TestOrchestrator.connect(names);
    defer(() => orchestrator.close());
    (service.mockProvider as MockProviderServer).enqueue("main-model", { kind: "hang" as const }, { kind: "hang" as const });
    const ids = await publishAll(orchestrator, [userRequest("last-0", "main", "last-0"), userRequest("last-1", "main", "last-1")]);
    await expect.poll(() => (service.mockProvider as MockProviderServer).inFlight, { timeout: 5_000 }).toBe(2);

    await service.stop();
    const responses = await collectResponses(orchestrator, ids, 5_000);
    for (const id of ids) {
      expect(responses.get(id)).toMatchObject({ status: "error", error_code: "E_CANCELLED" });
      expect(responses.get(id)?.error).toContain("on the last delivery (nats.max_deliver 1)");
    }
    expect(await metricValue(service, "modelbus_deliveries_total", { outcome: "ack", reason: "last_delivery" })).toBe(2);
    expect(await metricValue(service, "modelbus_deliveries_total", { outcome: "nak", reason: "E_CANCELLED" })).toBe(0);
    expect((await consumerBacklog(orchestrator, names)).ackPending).toBe(0);
    await expectExactlyOnce(orchestrator, ids, 500);
  });

  it(
    "drains the HTTP door too: a call that can finish does, one that cannot is cancelled with 503 E_CANCELLED, new ones are refused",
    { timeout: 30_000 },
    async () => {
      const names = uniqueNames();
      const config = faultConfig(names, {
        service: { timeout: "20s", shutdown_timeout: "800ms" },
        registry: { endpoints: { main: { provider: "mock", model: "main-model" }, slow: { provider: "mock", model: "slow-model" } } },
      });
      const service = await startFaultService(config);
      defer(() => service.stop());
      const mock = service.mockProvider as MockProviderServer;
      mock.enqueue("main-model", { kind: "text", content: "in time", delay_ms: 300 });
      mock.enqueue("slow-model", { kind: "hang" });
      const post = (model: string) =>
        fetch(`${service.httpUrl}/v1/chat/completions`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ model, messages: [{ role: "user", content: `to ${model}` }] }),
        }).then(async (response) => ({
          status: response.status,
          body: (await response.json()) as { error?: { code: string }; choices?: Array<{ message: { content: string } }> },
        }));
      const quick = post("main");
      const hanging = post("slow");
      // A client that pipelines a second request behind a hanging one on its connection, sent
      // once the server drains.
      mock.enqueue("slow-model", { kind: "hang" });
      const pipelined = pipelinedExchange(new URL(service.httpUrl), chatRequestText("slow"));
      await expect.poll(() => mock.inFlight, { timeout: 5_000 }).toBe(3);

      const stopping = Date.now();
      const stopped = service.stop();
      await new Promise((resolve) => setTimeout(resolve, 100));
      pipelined.send("GET /v1/models HTTP/1.1\r\nHost: modelbus\r\n\r\n");

      expect(await quick).toMatchObject({ status: 200, body: { choices: [{ message: { content: "in time" } }] } });
      expect(await hanging).toMatchObject({ status: 503, body: { error: { code: "E_CANCELLED" } } });
      // Both answers of the pipelined connection: the cancelled call, then the refused newcomer.
      const answers = await pipelined.answers;
      expect(answers.map((answer) => answer.status)).toEqual([503, 503]);
      expect(answers.map((answer) => (JSON.parse(answer.body) as { error: { code: string; message: string } }).error)).toEqual([
        expect.objectContaining({ code: "E_CANCELLED" }),
        { code: "E_CANCELLED", message: "the service is shutting down", type: "server_error", param: null, details: {} },
      ]);
      expect(await stopped).toEqual({ ok: true, failedSteps: [] });
      expect(Date.now() - stopping).toBeLessThan(800 + 2_500);
      expect(mock.inFlight).toBe(0); // the hanging provider call was given up
      expect(await metricValue(service, "modelbus_requests_in_flight")).toBe(0);
    },
  );

  it("reports a failed shutdown step instead of rejecting, so serve can exit non-zero", { timeout: 30_000 }, async () => {
    const names = uniqueNames();
    const service = await startFaultService(faultConfig(names));
    await service.nats.close(); // the NATS drain step now has nothing to drain
    const result = await service.stop();
    expect(result.ok).toBe(false);
    expect(result.failedSteps).toContain("nats drain");
  });
});
