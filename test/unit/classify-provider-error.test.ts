import OpenAI from "openai";
import { describe, expect, it } from "vitest";
import { ModelbusError } from "../../src/core/modelbus-error.ts";
import { classifyProviderError } from "../../src/providers/classify-provider-error.ts";

const nowMs = Date.UTC(2024, 0, 1, 0, 0, 0);

function apiError(status: number, body: object | undefined, headers: Record<string, string> = {}, message?: string) {
  return OpenAI.APIError.generate(status, body, message, new Headers(headers));
}

describe("classifyProviderError", () => {
  it("maps 429 to E_PROVIDER_RATE_LIMITED on the rate_limit curve with Retry-After", () => {
    const sdkError = apiError(429, { error: { message: "slow down" } }, { "retry-after": "2" });
    expect(sdkError).toBeInstanceOf(OpenAI.RateLimitError);
    const error = classifyProviderError(sdkError, { nowMs });
    expect(error).toBeInstanceOf(ModelbusError);
    expect(error.code).toBe("E_PROVIDER_RATE_LIMITED");
    expect(error.retryReason).toBe("rate_limit");
    expect(error.retryable).toBe(true);
    expect(error.retryAfterMs).toBe(2000);
    expect(error.status).toBe(429);
    expect(error.message).toBe("HTTP 429: slow down");
    expect(error.cause).toBe(sdkError);
  });

  it("parses an HTTP-date Retry-After against context.nowMs", () => {
    const sdkError = apiError(429, { error: { message: "x" } }, { "retry-after": "Mon, 01 Jan 2024 00:00:45 GMT" });
    expect(classifyProviderError(sdkError, { nowMs }).retryAfterMs).toBe(45_000);
  });

  it.each([500, 502, 503, 504])("maps %i to E_PROVIDER_UNAVAILABLE, transient, with Retry-After", (status) => {
    const error = classifyProviderError(apiError(status, { error: { message: "overloaded" } }, { "retry-after-ms": "1500" }), { nowMs });
    expect(error.code).toBe("E_PROVIDER_UNAVAILABLE");
    expect(error.retryReason).toBe("transient");
    expect(error.retryAfterMs).toBe(1500);
    expect(error.status).toBe(status);
    expect(error.message).toBe(`HTTP ${status}: overloaded`);
  });

  it("leaves retryAfterMs undefined when the provider sent none", () => {
    const error = classifyProviderError(apiError(503, { error: { message: "busy" } }), { nowMs });
    expect(error.retryAfterMs).toBeUndefined();
  });

  it.each([401, 403])("maps %i to E_PROVIDER_AUTH, not retryable", (status) => {
    const error = classifyProviderError(apiError(status, { error: { message: "bad key" } }), { nowMs });
    expect(error.code).toBe("E_PROVIDER_AUTH");
    expect(error.retryable).toBe(false);
    expect(error.status).toBe(status);
    expect(error.message).toBe(`HTTP ${status}: bad key`);
  });

  it.each([400, 404, 409, 413, 418, 422, 501, 505])("maps %i to E_PROVIDER_REJECTED, not retryable", (status) => {
    const error = classifyProviderError(apiError(status, { error: { message: "nope" } }), { nowMs });
    expect(error.code).toBe("E_PROVIDER_REJECTED");
    expect(error.retryReason).toBeUndefined();
    expect(error.retryAfterMs).toBeUndefined();
    expect(error.status).toBe(status);
  });

  it("ignores Retry-After on statuses that are not retried", () => {
    const error = classifyProviderError(apiError(400, { error: { message: "bad" } }, { "retry-after": "9" }), { nowMs });
    expect(error.retryAfterMs).toBeUndefined();
  });

  it("falls back to the SDK message without its status prefix when the body has no error.message", () => {
    expect(classifyProviderError(apiError(502, undefined, {}, "bad gateway"), { nowMs }).message).toBe("HTTP 502: bad gateway");
    expect(classifyProviderError(apiError(500, {}), { nowMs }).message).toBe("HTTP 500: status code (no body)");
  });

  it("uses a string body error and stringifies a non-string error.message", () => {
    expect(classifyProviderError(apiError(429, { error: "too many" }), { nowMs }).message).toBe("HTTP 429: too many");
    expect(classifyProviderError(apiError(400, { error: { message: { field: "x" } } }), { nowMs }).message).toBe('HTTP 400: {"field":"x"}');
  });

  it("maps a connection error to E_PROVIDER_NETWORK, transient, without status", () => {
    const sdkError = new OpenAI.APIConnectionError({ message: "x" });
    const error = classifyProviderError(sdkError, { nowMs });
    expect(error.code).toBe("E_PROVIDER_NETWORK");
    expect(error.retryReason).toBe("transient");
    expect(error.status).toBeUndefined();
    expect(error.message).toBe("connection error: x");
    expect(error.cause).toBe(sdkError);
  });

  it("adds the root cause of a connection error to the message", () => {
    const root = new Error("connect ECONNREFUSED 127.0.0.1:9");
    const sdkError = new OpenAI.APIConnectionError({ cause: new TypeError("fetch failed", { cause: root }) });
    expect(classifyProviderError(sdkError, { nowMs }).message).toBe("connection error: Connection error. (connect ECONNREFUSED 127.0.0.1:9)");
  });

  it("maps a connection timeout to E_PROVIDER_TIMEOUT, not retryable (checked before APIConnectionError)", () => {
    const sdkError = new OpenAI.APIConnectionTimeoutError();
    expect(sdkError).toBeInstanceOf(OpenAI.APIConnectionError);
    const error = classifyProviderError(sdkError, { nowMs });
    expect(error.code).toBe("E_PROVIDER_TIMEOUT");
    expect(error.retryable).toBe(false);
    expect(error.message).toBe("timeout: Request timed out.");
  });

  it("maps APIUserAbortError to E_CANCELLED, not retryable", () => {
    const error = classifyProviderError(new OpenAI.APIUserAbortError(), { nowMs });
    expect(error.code).toBe("E_CANCELLED");
    expect(error.retryable).toBe(false);
  });

  it("returns the signal's ModelbusError reason as is when the signal aborted, whatever was thrown", () => {
    const reason = new ModelbusError({ code: "E_PROVIDER_TIMEOUT", message: "deadline passed" });
    const controller = new AbortController();
    controller.abort(reason);
    expect(classifyProviderError(new OpenAI.APIUserAbortError(), { nowMs, signal: controller.signal })).toBe(reason);
    expect(classifyProviderError(apiError(503, { error: { message: "x" } }), { nowMs, signal: controller.signal })).toBe(reason);
  });

  it("maps any error to E_CANCELLED when the signal aborted with another reason", () => {
    const controller = new AbortController();
    controller.abort(new Error("shutting down"));
    const error = classifyProviderError(new OpenAI.APIConnectionError({ message: "x" }), { nowMs, signal: controller.signal });
    expect(error.code).toBe("E_CANCELLED");
    expect(error.retryable).toBe(false);
    expect(error.message).toBe("request cancelled: shutting down");
  });

  it("classifies normally when the signal has not aborted", () => {
    const controller = new AbortController();
    const error = classifyProviderError(apiError(503, { error: { message: "x" } }), { nowMs, signal: controller.signal });
    expect(error.code).toBe("E_PROVIDER_UNAVAILABLE");
  });

  it("maps anything else to E_INTERNAL, not retryable", () => {
    const typeError = new TypeError("cannot read properties of undefined");
    const fromTypeError = classifyProviderError(typeError, { nowMs });
    expect(fromTypeError.code).toBe("E_INTERNAL");
    expect(fromTypeError.retryable).toBe(false);
    expect(fromTypeError.message).toBe("cannot read properties of undefined");
    expect(fromTypeError.cause).toBe(typeError);

    expect(classifyProviderError("boom", { nowMs }).code).toBe("E_INTERNAL");
    // An APIError without a status (an error frame inside a stream) is the provider's fault.
    expect(classifyProviderError(new OpenAI.APIError(undefined, undefined, "odd", undefined), { nowMs }).code).toBe("E_PROVIDER_RESPONSE_INVALID");
  });
});

describe("classifyProviderError: failures outside the SDK's wrapping", () => {
  it("treats a body cut mid-read (undici 'terminated') as a retryable network error", () => {
    const cut = new TypeError("terminated", { cause: Object.assign(new Error("other side closed"), { code: "UND_ERR_SOCKET" }) });
    const error = classifyProviderError(cut, { nowMs: 0 });
    expect(error.code).toBe("E_PROVIDER_NETWORK");
    expect(error.retryReason).toBe("transient");
    expect(error.message).toContain("other side closed");
  });

  it("treats unparseable JSON from a 200 as an invalid provider response", () => {
    const error = classifyProviderError(new SyntaxError("Unexpected token < in JSON"), { nowMs: 0 });
    expect(error.code).toBe("E_PROVIDER_RESPONSE_INVALID");
    expect(error.retryable).toBe(false);
  });

  it("keeps other programming errors internal", () => {
    expect(classifyProviderError(new TypeError("x is not a function"), { nowMs: 0 }).code).toBe("E_INTERNAL");
  });
});
