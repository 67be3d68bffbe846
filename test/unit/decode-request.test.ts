import { describe, expect, it } from "vitest";
import { decodeRequest } from "../../src/transports/nats/decode-request.ts";

const bytes = (value: unknown) => new TextEncoder().encode(typeof value === "string" ? value : JSON.stringify(value));
const request = { request_id: "r1", model: "fast", messages: [{ role: "user", content: "hi" }] };

describe("decodeRequest", () => {
  it("accepts a bare AgentRequest", () => {
    const decoded = decodeRequest(bytes(request), 1_000_000);
    expect(decoded).toMatchObject({ kind: "request", form: "bare", request: { request_id: "r1", model: "fast" } });
  });

  it("accepts the semstreams envelope and remembers the form", () => {
    const envelope = { id: "e1", type: { domain: "agentic", category: "request", version: "v1" }, payload: request, meta: {} };
    expect(decodeRequest(bytes(envelope), 1_000_000)).toMatchObject({ kind: "request", form: "envelope" });
  });

  it("reads reasoning as an alias of reasoning_content, canonical winning", () => {
    const decoded = decodeRequest(
      bytes({
        ...request,
        messages: [
          { role: "assistant", content: "a", reasoning: "alias" },
          { role: "user", content: "b", reasoning: "x", reasoning_content: "canon" },
        ],
      }),
      1_000_000,
    );
    if (decoded.kind !== "request") throw new Error("expected a request");
    expect(decoded.request.messages.map((m) => m.reasoning_content)).toEqual(["alias", "canon"]);
  });

  it("leaves absent fields out of a message, null content and tool_calls included", () => {
    const decoded = decodeRequest(bytes({ ...request, messages: [{ role: "assistant", content: null, tool_calls: null, reasoning_content: "r" }] }), 1_000_000);
    if (decoded.kind !== "request") throw new Error("expected a request");
    const [message] = decoded.request.messages;
    expect(Object.keys(message ?? {})).toEqual(["role", "reasoning_content"]);
    expect(message).toStrictEqual({ role: "assistant", reasoning_content: "r" });
  });

  it("rejects non-JSON, keeping a request_id it can scrape", () => {
    const decoded = decodeRequest(bytes('{"request_id":"r9", "messages": [oops'), 1_000_000);
    expect(decoded).toMatchObject({ kind: "invalid", requestId: "r9", error: { code: "E_PAYLOAD_INVALID" } });
  });

  it("rejects an unknown envelope type", () => {
    const envelope = { type: { domain: "agentic", category: "response", version: "v1" }, payload: request };
    expect(decodeRequest(bytes(envelope), 1_000_000)).toMatchObject({ kind: "invalid", form: "envelope", requestId: "r1" });
  });

  it.each([
    [{ ...request, request_id: "" }, "request_id"],
    [{ ...request, messages: [] }, "messages cannot be empty"],
    [{ ...request, messages: [{ role: "x".repeat(17), content: "x" }] }, "role longer than 16 characters"],
    [{ ...request, temperature: "hot" }, "temperature"],
    [{ ...request, max_tokens: 1.5 }, "max_tokens"],
    [{ ...request, tool_choice: { mode: "function" } }, "function_name"],
  ])("rejects %j with a message naming the problem", (payload, fragment) => {
    const decoded = decodeRequest(bytes(payload), 1_000_000);
    expect(decoded.kind).toBe("invalid");
    if (decoded.kind !== "invalid") return;
    expect(decoded.error.code).toBe("E_REQUEST_INVALID");
    expect(decoded.error.message).toContain(fragment);
  });

  it("takes message contents as semstreams' agentic-model does: forwarded, not judged", () => {
    const decoded = decodeRequest(
      bytes({
        ...request,
        temperature: -1,
        max_tokens: -5,
        messages: [
          { role: "developer", content: "be brief" },
          { role: "user" },
          { role: "assistant", tool_calls: [{ id: "call-1", name: "", arguments: {} }] },
          { role: "tool", name: "invalid_tool_call", content: "Tool error: tool call had empty function name", is_error: true },
          { content: "no role at all" },
        ],
        tools: [{ name: "", parameters: null }],
      }),
      1_000_000,
    );
    if (decoded.kind !== "request") throw new Error(`expected a request, got ${JSON.stringify(decoded)}`);
    expect(decoded.request.messages.map((message) => message.role)).toEqual(["developer", "user", "assistant", "tool", ""]);
    expect(decoded.request.messages[2]?.tool_calls).toEqual([{ id: "call-1", name: "", arguments: {} }]);
    expect(decoded.request.messages[3]).not.toHaveProperty("tool_call_id");
  });

  it("matches keys case-insensitively, as Go's encoding/json does, and reads null as absent", () => {
    const oldEnvelope = {
      ID: "e1",
      Type: { Domain: "agentic", Category: "request", Version: "v1" },
      Payload: {
        Request_ID: "r-old",
        MODEL: "fast",
        Messages: [{ Role: "user", CONTENT: "hi", Tool_Calls: null, ſomething: 1 }],
        TOOL_CHOICE: null,
        response_format: null,
        "max_to\u212Aens": 12,
      },
      Meta: { created_at: 1760000000000, source: "agentic-loop" },
    };
    const decoded = decodeRequest(bytes(JSON.stringify(oldEnvelope).replace("\\u017f", "\u017f")), 1_000_000);
    expect(decoded).toMatchObject({ kind: "request", form: "envelope", request: { request_id: "r-old", model: "fast", max_tokens: 12 } });
    if (decoded.kind !== "request") return;
    expect(decoded.request.messages).toStrictEqual([{ role: "user", content: "hi" }]);
    expect(decoded.request).not.toHaveProperty("tool_choice");
  });

  it("keeps the keys of map-typed fields (arguments, schema, metadata) exactly as sent", () => {
    const decoded = decodeRequest(
      bytes({ ...request, metadata: { Trace: 1 }, messages: [{ role: "assistant", tool_calls: [{ ID: "c", Name: "f", Arguments: { City: "Oslo" } }] }] }),
      1_000_000,
    );
    if (decoded.kind !== "request") throw new Error("expected a request");
    expect(decoded.request.metadata).toEqual({ Trace: 1 });
    expect(decoded.request.messages[0]?.tool_calls).toEqual([{ id: "c", name: "f", arguments: { City: "Oslo" } }]);
  });

  it("reads the request_id of an envelope with an unsupported type, whatever its keys' case", () => {
    const envelope = { TYPE: { DOMAIN: "agentic", CATEGORY: "task", VERSION: "v1" }, PAYLOAD: { REQUEST_ID: "r-task" } };
    expect(decodeRequest(bytes(envelope), 1_000_000)).toMatchObject({
      kind: "invalid",
      form: "envelope",
      requestId: "r-task",
      error: { code: "E_PAYLOAD_INVALID" },
    });
  });

  it("rejects oversized payloads before parsing them", () => {
    const decoded = decodeRequest(bytes({ ...request, messages: [{ role: "user", content: "x".repeat(2_000) }] }), 1_000);
    expect(decoded).toMatchObject({ kind: "invalid", requestId: "r1", error: { code: "E_PAYLOAD_INVALID" } });
  });

  it("rejects JSON that is not an object", () => {
    expect(decodeRequest(bytes("[1,2]"), 1_000)).toMatchObject({ kind: "invalid", error: { code: "E_PAYLOAD_INVALID" } });
  });
});
