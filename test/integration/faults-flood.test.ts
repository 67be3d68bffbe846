/**
 * Fault 9: a flood of malformed and oversized messages mixed with valid ones. A private
 * nats-server with max_payload 4 MB carries the 2 MB payloads (the shared server, like
 * any default nats-server, refuses more than 1 MB before modelbus sees them), so it is
 * modelbus's own nats.max_payload_bytes (1 MB) that rejects them.
 */
import { jetstreamManager } from "@nats-io/jetstream";
import { describe, expect, it } from "vitest";
import type { ErrorCode } from "../../src/core/error-codes.ts";
import type { MockProviderServer } from "../../src/providers/mock/mock-provider-server.ts";
import { collectResponses, consumerBacklog, expectExactlyOnce, faultConfig, metricValue, orchestratorAt, startFaultService } from "../support/fault-kit.ts";
import { PrivateNats } from "../support/private-nats.ts";
import { uniqueNames, userRequest } from "../support/test-service.ts";
import { cleanupAfterEach } from "../support/cleanups.ts";

const defer = cleanupAfterEach();

interface FloodMessage {
  readonly body: string;
  /** The response expected: a request_id and its status or error code; none when no id is readable. */
  readonly expect?: { readonly id: string; readonly code?: ErrorCode };
  /** The code counted in modelbus_errors_total for it, when it is bad. */
  readonly counted?: ErrorCode;
}

const twoMegabytes = 2 * 1024 * 1024;
const envelopeOf = (payload: unknown, category = "request") =>
  JSON.stringify({ id: "e", type: { domain: "agentic", category, version: "v1" }, payload, meta: { source: "flood" } });

/** The 100 bad messages of the flood, ten of each kind, half of them with a readable request_id. */
function badMessages(): FloodMessage[] {
  const bad: FloodMessage[] = [];
  for (let index = 0; index < 10; index += 1) {
    bad.push(
      index % 2 === 0
        ? { body: `{"request_id":"broken-${index}", "messages": [`, expect: { id: `broken-${index}`, code: "E_PAYLOAD_INVALID" }, counted: "E_PAYLOAD_INVALID" }
        : { body: `garbage \u0000\u00ff ${index}`, counted: "E_PAYLOAD_INVALID" },
      { body: JSON.stringify([userRequest(`array-${index}`, "main")]), counted: "E_PAYLOAD_INVALID" },
      {
        body: envelopeOf(userRequest(`wrong-type-${index}`, "main"), "response"),
        expect: { id: `wrong-type-${index}`, code: "E_PAYLOAD_INVALID" },
        counted: "E_PAYLOAD_INVALID",
      },
      { body: JSON.stringify({ model: "main", messages: [{ role: "user", content: "who am I?" }] }), counted: "E_REQUEST_INVALID" },
      { body: "", counted: "E_PAYLOAD_INVALID" },
      { body: ["42", "null", '"a string"', "true", "{}"][index % 5] as string, counted: index % 5 === 4 ? "E_REQUEST_INVALID" : "E_PAYLOAD_INVALID" },
      index % 2 === 0
        ? {
            body: JSON.stringify({ ...userRequest(`huge-${index}`, "main"), padding: "x".repeat(twoMegabytes) }),
            expect: { id: `huge-${index}`, code: "E_PAYLOAD_INVALID" },
            counted: "E_PAYLOAD_INVALID",
          }
        : { body: JSON.stringify({ padding: "y".repeat(twoMegabytes), request_id: `hidden-${index}` }), counted: "E_PAYLOAD_INVALID" },
      {
        body: JSON.stringify(userRequest(`no-messages-${index}`, "main", "", { messages: [] })),
        expect: { id: `no-messages-${index}`, code: "E_REQUEST_INVALID" },
        counted: "E_REQUEST_INVALID",
      },
      {
        body: JSON.stringify({ request_id: `bad-role-${index}`, messages: [{ role: "r".repeat(17), content: "hi" }] }),
        expect: { id: `bad-role-${index}`, code: "E_REQUEST_INVALID" },
        counted: "E_REQUEST_INVALID",
      },
      {
        body: envelopeOf({ request_id: `bad-env-${index}`, messages: "hello" }),
        expect: { id: `bad-env-${index}`, code: "E_REQUEST_INVALID" },
        counted: "E_REQUEST_INVALID",
      },
    );
  }
  return bad;
}

function goodMessages(): FloodMessage[] {
  return Array.from({ length: 100 }, (_, index) => {
    const request = userRequest(`good-${index}`, "main", `good-${index}`);
    return { body: index % 2 === 0 ? JSON.stringify(request) : envelopeOf(request), expect: { id: `good-${index}` } };
  });
}

/** A deterministic interleaving, so a failure can be replayed. */
function interleave(good: FloodMessage[], bad: FloodMessage[]): FloodMessage[] {
  const mixed: FloodMessage[] = [];
  for (let index = 0; index < Math.max(good.length, bad.length); index += 1) {
    if (bad[index]) mixed.push(bad[index] as FloodMessage);
    if (good[index]) mixed.push(good[index] as FloodMessage);
  }
  return mixed;
}

describe("fault 9: a flood of malformed and oversized messages", () => {
  it("answers every valid request once, every bad one with a readable request_id once with its code, and keeps serving", { timeout: 60_000 }, async () => {
    const server = await PrivateNats.start({ maxPayloadBytes: 4 * 1024 * 1024 });
    defer(() => server.dispose());
    const names = uniqueNames();
    const service = await startFaultService(faultConfig(names, { nats: { concurrency: 16, ack_wait: "2s", heartbeat_interval: "500ms" } }), {
      natsUrl: server.url,
    });
    defer(() => service.stop());
    const orchestrator = await orchestratorAt(names, server.url);
    defer(() => orchestrator.close());

    const flood = interleave(goodMessages(), badMessages());
    expect(flood).toHaveLength(200);
    const readiness: number[] = [];
    const probing = setInterval(() => void fetch(`${service.httpUrl}/readyz`).then((response) => readiness.push(response.status)), 100);
    defer(async () => clearInterval(probing));
    for (let start = 0; start < flood.length; start += 20) {
      await Promise.all(flood.slice(start, start + 20).map((message) => orchestrator.publish(message.body)));
    }

    const answered = flood.flatMap((message) => (message.expect ? [message.expect] : []));
    const responses = await collectResponses(
      orchestrator,
      answered.map((entry) => entry.id),
      30_000,
    );
    for (const { id, code } of answered) {
      const response = responses.get(id);
      if (code === undefined) expect(response, id).toMatchObject({ status: "complete", message: { content: `mock answer: ${id}` } });
      else expect(response, id).toMatchObject({ request_id: id, status: "error", error_code: code, message: { role: "" } });
    }
    // Past ack_wait: a terminated message must not come back (counted again, answered again).
    await expectExactlyOnce(
      orchestrator,
      answered.map((entry) => entry.id),
      2_500,
    );
    expect(await metricValue(service, "modelbus_redeliveries_total")).toBe(0);
    // No response for anything else: exactly the answerable ones are in the stream.
    const manager = await jetstreamManager(orchestrator.nats);
    const subjects = (await manager.streams.info(names.stream, { subjects_filter: `${names.prefix}.response.>` })).state.subjects ?? {};
    expect(Object.values(subjects).reduce((sum, count) => sum + count, 0)).toBe(answered.length);

    for (const code of ["E_PAYLOAD_INVALID", "E_REQUEST_INVALID"] as const) {
      const expected = flood.filter((message) => message.counted === code).length;
      expect(await metricValue(service, "modelbus_errors_total", { code }), code).toBe(expected);
      expect(await metricValue(service, "modelbus_deliveries_total", { outcome: "term", reason: code }), code).toBe(expected);
    }
    expect(await metricValue(service, "modelbus_requests_total", { status: "complete" })).toBe(100);
    expect((service.mockProvider as MockProviderServer).requests).toHaveLength(100); // no bad message reached the model

    clearInterval(probing);
    expect(readiness.length).toBeGreaterThan(0);
    expect(readiness.every((status) => status === 200)).toBe(true);
    // Still serving after the flood.
    await orchestrator.publish(userRequest("after-flood", "main", "after-flood"));
    expect((await orchestrator.response("after-flood", 5_000)).status).toBe("complete");
    await expect.poll(async () => (await consumerBacklog(orchestrator, names)).ackPending, { timeout: 5_000 }).toBe(0);
  });
});
