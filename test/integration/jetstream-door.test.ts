import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Service } from "../../src/main.ts";
import type { MockProviderServer } from "../../src/providers/mock/mock-provider-server.ts";
import { TestOrchestrator, startTestService, testConfig, uniqueNames, userRequest } from "../support/test-service.ts";

const names = uniqueNames();
let service: Service;
let mock: MockProviderServer;
let orchestrator: TestOrchestrator;

beforeAll(async () => {
  service = await startTestService(testConfig(names));
  mock = service.mockProvider as MockProviderServer;
  orchestrator = await TestOrchestrator.connect(names);
});

afterAll(async () => {
  await service?.stop();
  await orchestrator?.close();
});

const weatherTool = {
  name: "get_weather",
  description: "Get weather for a location",
  parameters: { type: "object", properties: { location: { type: "string" } }, required: ["location"] },
};

describe("JetStream door", () => {
  it("answers a plain request with a complete response and usage", async () => {
    mock.enqueue("main-model", { kind: "text", content: "The answer is 42.", usage: { prompt_tokens: 10, completion_tokens: 30 } });
    const response = await orchestrator.send(userRequest("plain-1", "main", "What is the answer?"));
    expect(response).toMatchObject({
      request_id: "plain-1",
      status: "complete",
      finish_reason: "stop",
      message: { role: "assistant", content: "The answer is 42." },
      token_usage: { prompt_tokens: 10, completion_tokens: 30 },
      endpoint: "main",
      provider_model: "main-model",
    });
    expect(response.retry_count).toBeUndefined();
    const sent = mock.requestsFor("main-model").at(-1)?.body as { model: string; messages: unknown[] };
    expect(sent.model).toBe("main-model");
    expect(sent.messages).toEqual([{ role: "user", content: "What is the answer?" }]);
  });

  it("returns tool calls with parsed arguments as status tool_call", async () => {
    mock.enqueue("main-model", { kind: "tool_call", calls: [{ id: "call_abc", name: "get_weather", arguments: '{"location":"London"}' }] });
    const response = await orchestrator.send(userRequest("tool-1", "main", "Weather in London?", { tools: [weatherTool], tool_choice: { mode: "auto" } }));
    expect(response.status).toBe("tool_call");
    expect(response.finish_reason).toBe("tool_calls");
    expect(response.message.tool_calls).toEqual([{ id: "call_abc", name: "get_weather", arguments: { location: "London" } }]);
    const sent = mock.requestsFor("main-model").at(-1)?.body as { tools: unknown[]; tool_choice: unknown };
    expect(sent.tools).toEqual([{ type: "function", function: { ...weatherTool } }]);
    expect(sent.tool_choice).toBe("auto");
  });

  it("reports length_truncated and drops truncated tool calls", async () => {
    mock.enqueue("main-model", { kind: "tool_call", finish_reason: "length", calls: [{ id: "c", name: "get_weather", arguments: '{"loc' }] });
    const response = await orchestrator.send(userRequest("length-1", "main", "go", { tools: [weatherTool], max_tokens: 5 }));
    expect(response.status).toBe("length_truncated");
    expect(response.message.tool_calls).toBeUndefined();
    expect((mock.requestsFor("main-model").at(-1)?.body as { max_tokens: number }).max_tokens).toBe(5);
  });

  it("answers an unknown model with an error response naming it", async () => {
    const response = await orchestrator.send(userRequest("unknown-1", "gpt-9000"));
    expect(response).toMatchObject({
      request_id: "unknown-1",
      status: "error",
      message: { role: "" },
      error: 'no endpoint found for model "gpt-9000" in registry',
      error_code: "E_MODEL_UNKNOWN",
      token_usage: { prompt_tokens: 0, completion_tokens: 0 },
    });
  });

  it("routes an alias to its endpoint's provider model", async () => {
    const before = mock.requestsFor("spare-model").length;
    const response = await orchestrator.send(userRequest("alias-1", "fast"));
    expect(response).toMatchObject({ status: "complete", endpoint: "spare", provider_model: "spare-model" });
    expect(mock.requestsFor("spare-model").length).toBe(before + 1);
  });

  it("falls back along a capability chain when the preferred endpoint fails", async () => {
    mock.enqueue("main-model", { kind: "error", status: 503 }, { kind: "error", status: 503 }, { kind: "error", status: 503 });
    const response = await orchestrator.send(userRequest("chain-1", "general"));
    expect(response).toMatchObject({ status: "complete", endpoint: "spare", retry_count: 2 });
  });

  it("replies in envelope form to an envelope request", async () => {
    const envelope = {
      id: "env-1",
      type: { domain: "agentic", category: "request", version: "v1" },
      payload: userRequest("envelope-1", "main"),
      meta: { created_at: Date.now(), received_at: Date.now(), source: "agentic-loop" },
    };
    await orchestrator.publish(envelope);
    const raw = JSON.parse(new TextDecoder().decode(await orchestrator.rawResponse("envelope-1")));
    expect(raw.type).toEqual({ domain: "agentic", category: "response", version: "v1" });
    expect(raw.meta.source).toBe("agentic-model");
    expect(typeof raw.id).toBe("string");
    expect(raw.payload).toMatchObject({ request_id: "envelope-1", status: "complete" });
  });

  it("terminates a poison message, answers it when a request_id is readable, and counts it", async () => {
    await orchestrator.publish("this is not json");
    await orchestrator.publish({ request_id: "poison-1", model: "main", messages: [] });
    const response = await orchestrator.response("poison-1");
    expect(response).toMatchObject({ status: "error", error_code: "E_REQUEST_INVALID" });
    expect(response.error).toContain("messages cannot be empty");
    // a valid request after the poison ones is still served: the consumer did not stop
    expect((await orchestrator.send(userRequest("after-poison", "main"))).status).toBe("complete");
    const metrics = await service.metrics.registry.getSingleMetricAsString("modelbus_errors_total");
    expect(metrics).toMatch(/code="E_PAYLOAD_INVALID"} 1/);
    expect(metrics).toMatch(/code="E_REQUEST_INVALID"} 1/);
    const deliveries = await service.metrics.registry.getSingleMetricAsString("modelbus_deliveries_total");
    expect(deliveries).toMatch(/outcome="term",reason="E_PAYLOAD_INVALID"} 1/);
  });

  it("publishes responses with a Nats-Msg-Id so a duplicate publish is dropped", async () => {
    await orchestrator.send(userRequest("dedupe-1", "main"));
    const { ResponsePublisher } = await import("../../src/transports/nats/response-publisher.ts");
    const { jetstream, jetstreamManager } = await import("@nats-io/jetstream");
    const { subjectsFor } = await import("../../src/transports/nats/subjects.ts");
    const publisher = new ResponsePublisher(jetstream(orchestrator.nats), await jetstreamManager(orchestrator.nats), names.stream, subjectsFor(names.prefix));
    const again = await publisher.publish(
      { request_id: "dedupe-1", status: "complete", message: { role: "assistant" }, token_usage: { prompt_tokens: 0, completion_tokens: 0 } },
      "bare",
    );
    expect(again.duplicate).toBe(true);
    expect(await orchestrator.responseCount("dedupe-1")).toBe(1);
  });

  it("serves /metrics, /healthz and /readyz", async () => {
    const health = await fetch(`${service.httpUrl}/healthz`);
    expect(health.status).toBe(200);
    const ready = await fetch(`${service.httpUrl}/readyz`);
    expect(await ready.json()).toEqual({ status: "ready", checks: { nats: true } });
    const metrics = await (await fetch(`${service.httpUrl}/metrics`)).text();
    for (const name of ["modelbus_requests_total", "modelbus_tokens_total", "modelbus_requests_in_flight", "modelbus_retries_total"]) {
      expect(metrics).toContain(name);
    }
    expect(metrics).toMatch(/modelbus_requests_total\{endpoint="main",status="complete"\} \d+/);
  });
});
