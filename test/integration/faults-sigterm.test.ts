/**
 * Fault 7: SIGTERM to a real `modelbus serve` with requests in flight, then a restart:
 * what can finish by service.shutdown_timeout is answered, the rest is cancelled, nak'd
 * and its claim released, and the next process answers it. Exit code 0; nothing answered
 * twice.
 */
import { connect } from "node:net";
import { describe, expect, it } from "vitest";
import type { MockProviderServer } from "../../src/providers/mock/mock-provider-server.ts";
import {
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
      for (let match = /^HTTP\/1\.1 (\d{3})[^]*?\r\ncontent-length: (\d+)[^]*?\r\n\r\n/i.exec(rest); match; match = /^HTTP\/1\.1 (\d{3})[^]*?\r\ncontent-length: (\d+)[^]*?\r\n\r\n/i.exec(rest)) {
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
  it("exits 0 after finishing or handing back its work; the next process answers the rest, each request once", { timeout: 60_000 }, async () => {
    const database = await createTestDatabase();
    defer(() => database.drop());
    const names = uniqueNames();
    const orchestrator = await TestOrchestrator.connect(names);
    defer(() => orchestrator.close());
    const config = faultConfigObject(names, {
      service: { log_level: "warn", timeout: "20s", shutdown_timeout: "1500ms" },
      store: { enabled: true },
      nats: { concurrency: 6, ack_wait: "5s", heartbeat_interval: "1s", nak_delay: "200ms" },
    });
    const first = await ServiceProcess.start({ config, databaseUrl: database.url });
    defer(() => first.kill());
    // Two calls that cannot finish before the shutdown deadline, then quick ones.
    await first.enqueue("main-model", [
      ...Array.from({ length: 2 }, () => ({ kind: "text", content: "too slow to finish", delay_ms: 8_000 })),
      ...Array.from({ length: 30 }, () => ({ kind: "text", content: "answered by the first process", delay_ms: 400 })),
    ]);

    const ids = await publishAll(orchestrator, Array.from({ length: 20 }, (_, index) => userRequest(`term-${index}`, "main", `term-${index}`)));
    await first.waitFor(async () => (await first.mockRequests()).length >= 8 && (await first.mockInFlight()) >= 4, 15_000);
    const calledFirst = new Set((await first.mockRequests()).map((record) => recordedText(record)));
    const stopping = Date.now();
    const exit = await first.signal("SIGTERM");
    expect(exit).toEqual({ code: 0, signal: null });
    expect(Date.now() - stopping).toBeLessThan(1_500 + 4_000);
    expect(first.logs).toContain("shutdown deadline reached; cancelling in-flight requests");

    const second = await ServiceProcess.start({ config, databaseUrl: database.url });
    defer(() => second.kill());
    const responses = await collectResponses(orchestrator, ids, 20_000);
    for (const response of responses.values()) expect(response.status).toBe("complete");
    const byFirst = ids.filter((id) => responses.get(id)?.message.content === "answered by the first process");
    const bySecond = ids.filter((id) => responses.get(id)?.message.content === `mock answer: ${id}`);
    expect(byFirst.length + bySecond.length).toBe(ids.length);
    expect(byFirst.length).toBeGreaterThanOrEqual(4); // in flight at SIGTERM and quick enough: finished, not dropped
    // The cancelled calls were handed over at once (claims released), and nothing the first
    // process answered was sent to a model again.
    const calledSecond = (await second.mockRequests()).map((record) => recordedText(record));
    expect(calledSecond.sort()).toEqual([...bySecond].sort());
    expect(calledSecond.filter((id) => calledFirst.has(id)).length).toBeGreaterThanOrEqual(2);
    await expectExactlyOnce(orchestrator, ids, 1_000);

    expect(await storedStatuses(database.url, ids)).toEqual(ids.map(() => "complete"));
    expect(await second.signal("SIGTERM")).toEqual({ code: 0, signal: null });
    expect((await consumerBacklog(orchestrator, names)).ackPending).toBe(0);
  });

  it("holds service.shutdown_timeout when every slot is busy with a hanging call", { timeout: 30_000 }, async () => {
    const names = uniqueNames();
    const config = faultConfig(names, { service: { timeout: "20s", shutdown_timeout: "300ms" }, nats: { concurrency: 2 } });
    const first = await startFaultService(config);
    defer(() => first.stop());
    const orchestrator = await TestOrchestrator.connect(names);
    defer(() => orchestrator.close());
    (first.mockProvider as MockProviderServer).enqueue("main-model", ...Array.from({ length: 6 }, () => ({ kind: "hang" as const })));
    const ids = await publishAll(orchestrator, Array.from({ length: 6 }, (_, index) => userRequest(`full-${index}`, "main", `full-${index}`)));
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

  it("drains the HTTP door too: a call that can finish does, one that cannot is cancelled with 503 E_CANCELLED, new ones are refused", { timeout: 30_000 }, async () => {
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
      }).then(async (response) => ({ status: response.status, body: (await response.json()) as { error?: { code: string }; choices?: Array<{ message: { content: string } }> } }));
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
      { code: "E_CANCELLED", message: "the service is shutting down", details: {} },
    ]);
    expect(await stopped).toEqual({ ok: true, failedSteps: [] });
    expect(Date.now() - stopping).toBeLessThan(800 + 2_500);
    expect(mock.inFlight).toBe(0); // the hanging provider call was given up
    expect(await metricValue(service, "modelbus_requests_in_flight")).toBe(0);
  });

  it("reports a failed shutdown step instead of rejecting, so serve can exit non-zero", { timeout: 30_000 }, async () => {
    const names = uniqueNames();
    const service = await startFaultService(faultConfig(names));
    await service.nats.close(); // the NATS drain step now has nothing to drain
    const result = await service.stop();
    expect(result.ok).toBe(false);
    expect(result.failedSteps).toContain("nats drain");
  });
});
