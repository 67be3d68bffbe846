/**
 * modelbus where semstreams' agentic-model ran, over the real NATS JetStream: semstreams'
 * own gemini-example registry block (URLs pointed at a mock), requests as a loop of any
 * release writes them, answers read back by Go's encoding/json, semstreams' metric names.
 */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/load-config.ts";
import { opaqueFromText } from "../../src/core/reasoning-record.ts";
import type { Service } from "../../src/main.ts";
import { mockThoughtSignature } from "../../src/providers/mock/build-mock-reply.ts";
import { MockProviderServer } from "../../src/providers/mock/mock-provider-server.ts";
import { faultConfigObject, startFaultService } from "../support/fault-kit.ts";
import { goDecodeOne } from "../support/semstreams-wire.ts";
import { TestOrchestrator, uniqueNames } from "../support/test-service.ts";

type Json = Record<string, unknown>;

const names = uniqueNames();
const logLines: Json[] = [];
let service: Service;
let mock: MockProviderServer;
let orchestrator: TestOrchestrator;

/** semstreams' configs/gemini-example.json registry, unchanged but for where its URLs point. */
function geminiExampleBlock(url: string): Json {
  const block = JSON.parse(readFileSync(new URL("../fixtures/semstreams/registry/gemini-example.json", import.meta.url), "utf8")) as Json;
  for (const endpoint of Object.values(block.endpoints as Record<string, Json>)) endpoint.url = url;
  // One endpoint in the style of semstreams' other configs: no provider (the generic adapter).
  (block.endpoints as Record<string, Json>).loop = { url, model: "loop-model", supports_tools: true, max_tokens: 8192 };
  return block;
}

beforeAll(async () => {
  mock = await MockProviderServer.start();
  const raw = faultConfigObject(names, { service: { log_level: "warn" }, registry: geminiExampleBlock(mock.url), retry: { max_attempts: 2 } });
  service = await startFaultService(parseConfig({ ...raw, metrics: { semstreams: true } }), { logLines });
  orchestrator = await TestOrchestrator.connect(names);
}, 30_000);

afterAll(async () => {
  await service?.stop();
  await orchestrator?.close();
  await mock?.close();
});

const envelopeOf = (payload: Json, typeKeys: readonly [string, string, string] = ["domain", "category", "version"]) =>
  JSON.stringify({
    id: "3b241101-e2bb-4255-8caf-4136c566a962",
    type: { [typeKeys[0]]: "agentic", [typeKeys[1]]: "request", [typeKeys[2]]: "v1" },
    payload,
    meta: { created_at: 1_767_225_600_000, received_at: 1_767_225_600_000, source: "agentic-loop" },
  });
const lastBody = (model: string) => mock.requestsFor(model).at(-1)?.body as { messages: Json[] } & Json;
const weatherTool = { name: "get_weather", description: "Weather for a city", parameters: { type: "object", properties: { city: { type: "string" } } } };

describe("semstreams drop-in", () => {
  it("starts on semstreams' registry block: warns, naming the variable and the endpoint, and calls without Authorization", async () => {
    const warnings = logLines.filter((line) => line.path === "model_registry.endpoints.gemini-pro.api_key_env");
    expect(warnings).toHaveLength(1);
    expect(String(warnings[0]?.msg)).toContain('environment variable GEMINI_API_KEY is not set: endpoint "gemini-pro"');
    await orchestrator.publish(
      envelopeOf({ request_id: "dropin-nokey", loop_id: "l", role: "general", model: "fast", messages: [{ role: "user", content: "hi" }] }),
    );
    expect(await orchestrator.response("dropin-nokey")).toMatchObject({ status: "complete", endpoint: "gemini-flash" });
    expect(mock.requestsFor("gemini-2.5-flash").at(-1)?.headers).not.toHaveProperty("authorization");
  });

  it("answers a request from a release that wrote Domain/Category/Version, in the envelope, and Go reads the answer", async () => {
    await orchestrator.publish(
      envelopeOf({ request_id: "dropin-old", loop_id: "l", role: "general", model: "default", messages: [{ role: "user", content: "old release" }] }, [
        "Domain",
        "Category",
        "Version",
      ]),
    );
    const raw = await orchestrator.rawResponse("dropin-old");
    const go = goDecodeOne("Envelope", raw);
    expect(go.error).toBeUndefined();
    expect(go).toMatchObject({
      type: "agentic.response.v1",
      meta_times_are_integers: true,
      value: { request_id: "dropin-old", status: "complete", message: { role: "assistant", content: "mock answer: old release" } },
    });
    expect(go.problems ?? []).toEqual([]);
  });

  it("answers a request Go decodes but agentic-model cannot send (no messages) with an E_ code, not silence", async () => {
    await orchestrator.publish(envelopeOf({ REQUEST_ID: "dropin-empty", Model: "default", Messages: null }, ["DOMAIN", "CATEGORY", "VERSION"]));
    expect(await orchestrator.response("dropin-empty")).toMatchObject({ status: "error", error_code: "E_REQUEST_INVALID" });
  });

  it("round-trips Gemini 3 thought signatures: Go decodes them, the next turn sends Gemini its own bytes", async () => {
    mock.enqueue("gemini-3.1-pro-preview", {
      kind: "tool_call",
      style: "gemini",
      calls: [
        { name: "get_weather", arguments: '{"city":"Oslo"}' },
        { name: "get_weather", arguments: '{"city":"Bergen"}' },
      ],
    });
    await orchestrator.publish(
      envelopeOf({
        request_id: "dropin-gem-1",
        loop_id: "l",
        role: "general",
        model: "preview",
        messages: [{ role: "user", content: "weather in two cities" }],
        tools: [weatherTool],
      }),
    );
    const raw = await orchestrator.rawResponse("dropin-gem-1");
    const go = goDecodeOne("Envelope", raw);
    expect(go.error).toBeUndefined();
    const assistant = (go.value as { message: Json }).message;
    const calls = assistant.tool_calls as Array<{ id: string }>;
    expect(go.opaque_texts).toEqual(calls.map((call) => mockThoughtSignature(call.id)));

    // The loop sends back what Go decoded (as Go encodes it), with its tool results.
    const history = [
      { role: "user", content: "weather in two cities" },
      assistant,
      ...calls.map((call) => ({ role: "tool", tool_call_id: call.id, name: "get_weather", content: "sunny" })),
    ];
    await orchestrator.publish(
      envelopeOf({ request_id: "dropin-gem-2", loop_id: "l", role: "general", model: "preview", messages: history, tools: [weatherTool] }),
    );
    expect(await orchestrator.response("dropin-gem-2")).toMatchObject({ status: "complete" });
    const sent = lastBody("gemini-3.1-pro-preview").messages.find((message) => message.role === "assistant") as {
      tool_calls: Array<{ id: string; extra_content: unknown }>;
    };
    expect(sent.tool_calls.map((call) => call.extra_content)).toEqual(calls.map((call) => ({ google: { thought_signature: mockThoughtSignature(call.id) } })));
  });

  it("echoes a record an earlier modelbus wrote (the signature itself in opaque) unchanged", async () => {
    const signature = mockThoughtSignature("legacy");
    const history = [
      { role: "user", content: "weather?" },
      {
        role: "assistant",
        tool_calls: [{ id: "call-legacy", name: "get_weather", arguments: { city: "Oslo" } }],
        reasoning_records: [{ provider: "google", opaque: signature, carrier_kind: "tool_call", tool_call_id: "call-legacy" }],
      },
      { role: "tool", tool_call_id: "call-legacy", name: "get_weather", content: "rain" },
    ];
    await orchestrator.publish(
      envelopeOf({ request_id: "dropin-legacy", loop_id: "l", role: "general", model: "preview", messages: history, tools: [weatherTool] }),
    );
    expect(await orchestrator.response("dropin-legacy")).toMatchObject({ status: "complete" });
    const sent = lastBody("gemini-3.1-pro-preview").messages.find((message) => message.role === "assistant") as {
      tool_calls: Array<{ extra_content: unknown }>;
    };
    expect(sent.tool_calls[0]?.extra_content).toEqual({ google: { thought_signature: signature } });
    expect(opaqueFromText(signature)).not.toBe(signature);
  });

  it("forwards a history holding a call with an empty name and the loop's synthetic reply, with the generic fallbacks", async () => {
    const history = [
      { role: "user", content: "go on" },
      { role: "assistant", tool_calls: [{ id: "call-9", name: "" }] },
      {
        role: "tool",
        tool_call_id: "call-9",
        name: "invalid_tool_call",
        content: "Tool error: tool call had empty function name — call a specific tool by name or respond with text",
        is_error: true,
      },
      { role: "tool", tool_call_id: "call-10", content: "a result without a name" },
    ];
    await orchestrator.publish(
      envelopeOf({ request_id: "dropin-empty-name", loop_id: "l", role: "general", model: "loop", messages: history, tools: [weatherTool] }),
    );
    expect(await orchestrator.response("dropin-empty-name")).toMatchObject({ status: "complete" });
    const sent = lastBody("loop-model").messages;
    expect(sent[1]).toMatchObject({
      role: "assistant",
      content: " ",
      tool_calls: [{ id: "call-9", type: "function", function: { name: "unknown_tool", arguments: "{}" } }],
    });
    expect(sent[2]).toMatchObject({ role: "tool", tool_call_id: "call-9", name: "invalid_tool_call" });
    expect(sent[3]).toMatchObject({ role: "tool", tool_call_id: "call-10", name: "unknown_tool" });
  });

  it("exports semstreams' metric names, labels and buckets next to modelbus's own", async () => {
    mock.enqueue("gemini-2.5-flash", { kind: "error", status: 429, retry_after_ms: 10 });
    await orchestrator.publish(
      envelopeOf({ request_id: "dropin-429", loop_id: "l", role: "general", model: "fast", messages: [{ role: "user", content: "again" }] }),
    );
    expect(await orchestrator.response("dropin-429")).toMatchObject({ status: "complete", retry_count: 1 });
    const text = await service.metrics.registry.metrics();
    expect(text).toMatch(/^semstreams_agentic_model_requests_total\{model="fast",status="success"\} [1-9]/m);
    expect(text).toMatch(/^semstreams_agentic_model_requests_total\{model="preview",status="success"\} [1-9]/m);
    expect(text).toMatch(/^semstreams_agentic_model_tokens_total\{model="fast",type="prompt"\} [1-9]/m);
    // preview answered three times: two tool calls once, none twice.
    expect(text).toMatch(/^semstreams_agentic_model_tool_calls_returned_bucket\{le="1",model="preview"\} 2$/m);
    expect(text).toMatch(/^semstreams_agentic_model_tool_calls_returned_bucket\{le="2",model="preview"\} 3$/m);
    expect(text).toMatch(/^semstreams_agentic_model_rate_limit_hits_total\{model="gemini-2\.5-flash"\} 1$/m);
    expect(text).toMatch(/^semstreams_agentic_model_rate_limit_retries_total\{model="gemini-2\.5-flash"\} 1$/m);
    expect(text).toMatch(/^semstreams_agentic_model_requests_in_flight\{model="fast"\} 0$/m);
    expect(text).toMatch(/^semstreams_agentic_model_endpoint_health_state\{endpoint="gemini-flash",state="closed"\} 1$/m);
    for (const le of ["0.1", "0.2", "0.4", "0.8", "1.6", "3.2", "6.4", "12.8", "25.6", "51.2", "+Inf"]) {
      expect(text).toContain(`semstreams_agentic_model_request_duration_seconds_bucket{le="${le}",model="fast"}`);
    }
    for (const metric of [
      "stream_chunks_total",
      "stream_ttft_seconds",
      "length_truncations_total",
      "request_bytes",
      "delivery_refusals_total",
      "errors_total",
    ]) {
      expect(text).toContain(`# TYPE semstreams_agentic_model_${metric}`);
    }
    expect(text).toMatch(/^modelbus_requests_total\{endpoint="gemini-flash",status="complete"\} [1-9]/m);
  });
});
