/**
 * Redacted debug request logging, with the cases of semstreams' debug_log_request_test.go:
 * size and sha8 by default, the body only when the env flag is exactly "1", nothing at info.
 */
import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { agentRequestSchema } from "../../src/core/agent-request.ts";
import { createLogger } from "../../src/observability/logger.ts";
import { createMetrics } from "../../src/observability/metrics.ts";
import { providerRequestObserver } from "../../src/observability/provider-request-log.ts";

function capture(level: "debug" | "info") {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split("\n")) if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { lines, logger: createLogger({ level, destination }) };
}

const request = agentRequestSchema.parse({ request_id: "req-1", messages: [{ role: "user", content: "hi" }] });
const chatEndpoint = { wire_backend: "", model: "test-model" };

describe("provider request debug log", () => {
  it("logs size and sha8, never the body, by default (semstreams' vector: 68 bytes, 9512990f)", async () => {
    const { lines, logger } = capture("debug");
    const observe = providerRequestObserver({ logger, env: {}, semstreams: undefined, endpointOf: () => chatEndpoint });
    observe?.("e", request, { model: "test-model", secret: "FULL-CONVERSATION-BODY-DO-NOT-DUMP" });
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      msg: "provider request payload",
      request_id: "req-1",
      endpoint: "e",
      model: "test-model",
      payload_bytes: 68,
      payload_sha8: "9512990f",
    });
    expect(JSON.stringify(lines[0])).not.toContain("FULL-CONVERSATION-BODY-DO-NOT-DUMP");
  });

  it.each(["MODELBUS_LOG_FULL_PAYLOAD", "SEMSTREAMS_LOG_FULL_PAYLOAD"])("adds the body when %s is exactly 1", async (name) => {
    const { lines, logger } = capture("debug");
    const observe = providerRequestObserver({ logger, env: { [name]: "1" }, semstreams: undefined, endpointOf: () => chatEndpoint });
    observe?.("e", request, { model: "test-model", secret: "FULL-CONVERSATION-BODY-WHEN-GATED" });
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines[0]).toMatchObject({
      payload_bytes: 67,
      payload_sha8: "4ed4d5e0",
      payload: '{"model":"test-model","secret":"FULL-CONVERSATION-BODY-WHEN-GATED"}',
    });
  });

  it("keeps the body out for any other value of the flag", async () => {
    const { lines, logger } = capture("debug");
    providerRequestObserver({ logger, env: { MODELBUS_LOG_FULL_PAYLOAD: "true" }, semstreams: undefined, endpointOf: () => chatEndpoint })?.("e", request, {
      secret: "BODY-SHOULD-STAY-HIDDEN",
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(JSON.stringify(lines)).not.toContain("BODY-SHOULD-STAY-HIDDEN");
  });

  it("is not there at all above debug, unless semstreams' request_bytes needs it (Responses only)", async () => {
    const { lines, logger } = capture("info");
    expect(providerRequestObserver({ logger, env: {}, semstreams: undefined, endpointOf: () => chatEndpoint })).toBeUndefined();
    const metrics = createMetrics({ defaultMetrics: false, semstreams: true });
    const observe = providerRequestObserver({
      logger,
      env: {},
      semstreams: metrics.semstreams,
      endpointOf: (name) => (name === "r" ? { wire_backend: "responses", model: "gpt-5" } : chatEndpoint),
    });
    observe?.("r", request, { model: "gpt-5", input: [] });
    observe?.("c", request, { model: "test-model", messages: [] });
    const histogram = await metrics.registry.getSingleMetric("semstreams_agentic_model_request_bytes")?.get();
    const count = histogram?.values.find((value) => (value as { metricName?: string }).metricName === "semstreams_agentic_model_request_bytes_count");
    expect(count).toMatchObject({ value: 1, labels: { backend: "responses", model: "gpt-5" } });
    expect(lines).toEqual([]);
  });
});
