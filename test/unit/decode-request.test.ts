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
      bytes({ ...request, messages: [{ role: "assistant", content: "a", reasoning: "alias" }, { role: "user", content: "b", reasoning: "x", reasoning_content: "canon" }] }),
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
    [{ ...request, messages: [{ role: "wizard", content: "x" }] }, "role must be one of"],
    [{ ...request, messages: [{ role: "tool", content: "42" }] }, "tool_call_id"],
    [{ ...request, messages: [{ role: "user" }] }, "needs content"],
    [{ ...request, temperature: "hot" }, "temperature"],
    [{ ...request, tool_choice: { mode: "function" } }, "function_name"],
  ])("rejects %j with a message naming the problem", (payload, fragment) => {
    const decoded = decodeRequest(bytes(payload), 1_000_000);
    expect(decoded.kind).toBe("invalid");
    if (decoded.kind !== "invalid") return;
    expect(decoded.error.code).toBe("E_REQUEST_INVALID");
    expect(decoded.error.message).toContain(fragment);
  });

  it("rejects oversized payloads before parsing them", () => {
    const decoded = decodeRequest(bytes({ ...request, messages: [{ role: "user", content: "x".repeat(2_000) }] }), 1_000);
    expect(decoded).toMatchObject({ kind: "invalid", requestId: "r1", error: { code: "E_PAYLOAD_INVALID" } });
  });

  it("rejects JSON that is not an object", () => {
    expect(decodeRequest(bytes("[1,2]"), 1_000)).toMatchObject({ kind: "invalid", error: { code: "E_PAYLOAD_INVALID" } });
  });
});
