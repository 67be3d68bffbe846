/**
 * The Responses backend's mappings against semstreams' own vectors
 * (test/fixtures/semstreams/responses: its translate_responses_test.go cases, and responses
 * converted by its client_responses.go) and OpenAI's published shapes (openai-openapi). Where
 * modelbus sends something else on purpose, the difference is applied to the expectation
 * here, by name, and listed in docs/migrating-from-semstreams.md.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { endpointSchema } from "../../src/config/config-schema.ts";
import { agentRequestSchema } from "../../src/core/agent-request.ts";
import { errorResponse, type AgentResponse } from "../../src/core/agent-response.ts";
import { ModelbusError } from "../../src/core/modelbus-error.ts";
import { opaqueFromText } from "../../src/core/reasoning-record.ts";
import { buildResponsesParams, parseResponsesResponse, ResponsesStreamFold } from "../../src/providers/openai-responses.ts";
import { goDecodeOne } from "../support/semstreams-wire.ts";

type Json = Record<string, unknown>;
const fixture = (name: string) => JSON.parse(readFileSync(new URL(`../fixtures/semstreams/responses/${name}`, import.meta.url), "utf8")) as Json;
const noWarn = () => undefined;

/**
 * semstreams' request with modelbus's deliberate differences applied: a function call
 * without arguments sends "{}", a tool's `strict` is always sent (the API defaults it to
 * true), a message's reasoning items precede its function calls (the API's own order), and
 * `tool_choice` goes only with tools (the API refuses it alone).
 */
function withModelbusDifferences(expected: Json): Json {
  const out = structuredClone(expected);
  const input = (out.input as Json[] | undefined) ?? [];
  for (const item of input) if (item.type === "function_call" && item.arguments === undefined) item.arguments = "{}";
  const reasoning = input.filter((item) => item.type === "reasoning");
  if (reasoning.length > 0) out.input = [...reasoning, ...input.filter((item) => item.type !== "reasoning")];
  for (const tool of (out.tools as Json[] | undefined) ?? []) tool.strict ??= false;
  if (out.tools === undefined) delete out.tool_choice;
  return out;
}

describe("Responses request translation (semstreams' translate_responses_test.go)", () => {
  const cases = fixture("translate-request.json").cases as Json[];
  it.each(cases.map((entry) => [entry.test as string, entry] as const))("%s", (_name, entry) => {
    const request = agentRequestSchema.parse({ ...(entry.agent_request as Json), request_id: "r", messages: (entry.agent_request as Json).messages });
    const endpoint = endpointSchema.parse({ ...(entry.endpoint as Json), supports_tools: true });
    expect(buildResponsesParams(request, endpoint)).toEqual(withModelbusDifferences(entry.expected_request as Json));
  });

  it("sends every tool result an `output`, and a forced tool choice as {type, name}", () => {
    const request = agentRequestSchema.parse({
      request_id: "r",
      messages: [
        { role: "tool", tool_call_id: "c1" },
        { role: "wizard", content: "?" },
      ],
      tools: [{ name: "f", parameters: null }],
      tool_choice: { mode: "required" },
    });
    const params = buildResponsesParams(request, endpointSchema.parse({ model: "m", supports_tools: true, max_output_tokens: 64 }));
    expect(params).toMatchObject({
      input: [
        { type: "function_call_output", call_id: "c1", output: "" },
        { type: "message", role: "developer" },
      ],
      tools: [{ type: "function", name: "f", description: "", parameters: { type: "object", properties: {} }, strict: false }],
      tool_choice: "required",
      max_output_tokens: 64,
    });
  });

  it("strips tools for an endpoint without supports_tools, as for chat", () => {
    const request = agentRequestSchema.parse({
      request_id: "r",
      messages: [{ role: "user", content: "x" }],
      tools: [{ name: "f" }],
      tool_choice: { mode: "auto" },
    });
    const params = buildResponsesParams(request, endpointSchema.parse({ model: "m" }));
    expect(params).not.toHaveProperty("tools");
    expect(params).not.toHaveProperty("tool_choice");
  });
});

describe("reasoning records (semstreams' adapter_responses_test.go)", () => {
  const cases = fixture("adapter-reasoning.json").cases as Json[];
  const byTest = (name: string) => cases.find((entry) => entry.test === name) as Json;

  it("captures one standalone_item record per reasoning item, opaque as Go's []byte of encrypted_content", () => {
    const entry = byTest("TestOpenAIResponsesAdapter_CaptureReasoningRecords");
    const result = parseResponsesResponse(entry.responses_response, noWarn);
    expect(result.message.reasoning_records).toEqual(entry.expected_reasoning_records);
  });

  it("echoes only OpenAI standalone items, with their encrypted content as the API sent it", () => {
    for (const name of ["TestOpenAIResponsesAdapter_EchoReasoningRecords", "TestOpenAIResponsesAdapter_EchoReasoningRecords_FiltersOtherProviders"]) {
      const entry = byTest(name);
      const request = agentRequestSchema.parse({ request_id: "r", messages: [{ role: "assistant", content: "", reasoning_records: entry.reasoning_records }] });
      expect(buildResponsesParams(request, endpointSchema.parse({ model: "m" })).input, name).toEqual(entry.expected_input_items);
    }
  });

  it("round-trips: captured from a response, handed back by the loop, echoed on the next request", () => {
    const entry = byTest("TestOpenAIResponsesAdapter_RoundTrip");
    const captured = parseResponsesResponse(entry.responses_response, noWarn).message.reasoning_records;
    // What the loop sends back is what Go decoded from our response: the same bytes.
    const history = JSON.parse(JSON.stringify(captured)) as unknown;
    const request = agentRequestSchema.parse({ request_id: "r", messages: [{ role: "assistant", content: "", reasoning_records: history }] });
    expect(buildResponsesParams(request, endpointSchema.parse({ model: "m" })).input).toEqual(entry.expected_input_items);
  });
});

/** Our result as the AgentResponse the pipeline publishes (or the error it becomes). */
function asAgentResponse(raw: unknown): AgentResponse {
  try {
    const result = parseResponsesResponse(raw, noWarn);
    return { request_id: "req-1", status: result.status, finish_reason: result.finishReason, message: result.message, token_usage: result.usage };
  } catch (error) {
    if (!(error instanceof ModelbusError)) throw error;
    return errorResponse("req-1", error);
  }
}

describe("Responses → AgentResponse (semstreams' convertResponsesResponse)", () => {
  const cases = (fixture("convert-response-derived.json").cases as Json[]).filter((entry) => entry.case !== "nil_response");

  it.each(cases.map((entry) => [entry.case as string, entry] as const))("%s: what the loop reads is what semstreams would publish", (_name, entry) => {
    const ours = asAgentResponse(entry.responses_response);
    const expected = entry.expected_agent_response as AgentResponse;
    if (expected.status === "error") {
      // Same status and text; modelbus adds the API's own error message when there is one.
      expect(ours).toMatchObject({ status: "error", message: { role: "" } });
      expect(ours.error).toMatch(new RegExp(`^${String(expected.error)}`));
      return;
    }
    // modelbus also puts reasoning summaries in reasoning_content; semstreams leaves it empty.
    const comparable = { ...ours, message: { ...ours.message } };
    delete comparable.message.reasoning_content;
    expect(goDecodeOne("AgentResponse", JSON.stringify(comparable)).value).toEqual(goDecodeOne("AgentResponse", JSON.stringify(expected)).value);
  });
});

describe("OpenAI's published Responses shapes (openai-openapi)", () => {
  const shapes = fixture("openai-responses-shapes.json");
  const body = (name: string) => (shapes[name] as { body: Json }).body;
  const events = (name: string) => (shapes[name] as Array<{ event: Json }>).map((entry) => entry.event);

  it("maps a completed response with reasoning, a function call and a message", () => {
    const result = parseResponsesResponse(body("non_streaming_response"), noWarn);
    expect(result.status).toBe("tool_call");
    expect(result.finishReason).toBe("completed");
    expect(result.message.tool_calls?.length).toBeGreaterThan(0);
    const reasoning = (body("non_streaming_response").output as Json[]).find((item) => item.type === "reasoning") as Json;
    expect(result.message.reasoning_records?.[0]).toMatchObject({
      provider: "openai",
      carrier_kind: "standalone_item",
      item_id: reasoning.id,
      opaque: opaqueFromText(String(reasoning.encrypted_content)),
    });
    expect(result.usage.prompt_tokens).toBe((body("non_streaming_response").usage as Json).input_tokens);
  });

  it("maps failed to an error naming the API's message, and incomplete to length_truncated", () => {
    const failed = asAgentResponse(body("failed_response"));
    const detail = (body("failed_response").error as { message: string }).message;
    expect(failed).toMatchObject({ status: "error", error_code: "E_PROVIDER_REJECTED" });
    expect(failed.error).toContain(detail);
    expect(asAgentResponse(body("incomplete_response"))).toMatchObject({ status: "length_truncated", finish_reason: "incomplete" });
  });

  it("folds the published event stream into the same answer as the final response, publishing text and reasoning as it goes", () => {
    const fold = new ResponsesStreamFold(noWarn);
    const published = events("stream_events").map((event) => fold.push(event));
    const outcome = fold.finish();
    if (!outcome.ok) throw new Error("expected an answer");
    const final = events("stream_events").find((event) => event.type === "response.completed") as Json;
    expect(outcome.result).toEqual(parseResponsesResponse(final.response, noWarn));
    const text = events("stream_events")
      .filter((event) => event.type === "response.output_text.delta")
      .map((event) => event.delta)
      .join("");
    expect(published.map((deltas) => deltas.contentDelta).join("")).toContain(text);
    expect(published.some((deltas) => deltas.reasoningDelta !== "")).toBe(
      events("stream_events").some((event) => event.type === "response.reasoning_summary_text.delta"),
    );
  });

  it("does not take a stream without a terminal event for an answer (semstreams calls it complete)", () => {
    const fold = new ResponsesStreamFold(noWarn);
    for (const event of events("stream_events").filter((entry) => !String(entry.type).startsWith("response.completed"))) fold.push(event);
    expect(fold.finish()).toMatchObject({ ok: false, reason: "no terminal event" });
  });

  it("fails on the flat error event the spec defines", () => {
    const error = events("stream_events_alternative_terminals").find((event) => event.type === "error") as Json;
    expect(() => new ResponsesStreamFold(noWarn).push(error)).toThrow(ModelbusError);
  });
});
