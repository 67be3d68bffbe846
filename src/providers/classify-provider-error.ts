import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from "openai";
import { ModelbusError } from "../core/modelbus-error.ts";
import { parseRetryAfter } from "./parse-retry-after.ts";

export interface ClassifyProviderErrorContext {
  /** Clock reading used to turn an HTTP-date Retry-After into a delay. */
  readonly nowMs: number;
  /** The request's abort signal; when it has fired, every error is a cancellation. */
  readonly signal?: AbortSignal | undefined;
}

/**
 * Turns whatever the `openai` SDK threw into a ModelbusError, once, where the error enters.
 *
 * Check order matters: in the SDK, APIUserAbortError, APIConnectionError and
 * APIConnectionTimeoutError (a subclass of APIConnectionError) all extend APIError with
 * `status` undefined, so the specific classes are tested before the generic APIError.
 */
export function classifyProviderError(error: unknown, context: ClassifyProviderErrorContext): ModelbusError {
  const { signal } = context;

  if (error instanceof APIUserAbortError || signal?.aborted === true) {
    const reason: unknown = signal?.aborted === true ? signal.reason : undefined;
    if (reason instanceof ModelbusError) return reason;
    return new ModelbusError({
      code: "E_CANCELLED",
      message: `request cancelled: ${describeAbortReason(reason, error)}`,
      cause: error,
    });
  }

  if (error instanceof APIConnectionTimeoutError) {
    // The caller hands the SDK the remaining time of the whole request as its timeout, so an
    // SDK timeout means the request's deadline passed: another attempt has no time left.
    return new ModelbusError({
      code: "E_PROVIDER_TIMEOUT",
      message: `timeout: ${error.message}`,
      cause: error,
    });
  }

  if (error instanceof APIConnectionError) {
    return new ModelbusError({
      code: "E_PROVIDER_NETWORK",
      message: `connection error: ${describeConnectionError(error)}`,
      retryReason: "transient",
      cause: error,
    });
  }

  if (error instanceof APIError && typeof error.status === "number") {
    const status = error.status;
    const message = `HTTP ${status}: ${providerMessage(error, status)}`;
    if (status === 429) {
      return new ModelbusError({
        code: "E_PROVIDER_RATE_LIMITED",
        message,
        status,
        retryReason: "rate_limit",
        retryAfterMs: parseRetryAfter(error.headers, context.nowMs),
        cause: error,
      });
    }
    if (status === 500 || status === 502 || status === 503 || status === 504) {
      return new ModelbusError({
        code: "E_PROVIDER_UNAVAILABLE",
        message,
        status,
        retryReason: "transient",
        retryAfterMs: parseRetryAfter(error.headers, context.nowMs),
        cause: error,
      });
    }
    if (status === 401 || status === 403) {
      return new ModelbusError({ code: "E_PROVIDER_AUTH", message, status, cause: error });
    }
    return new ModelbusError({ code: "E_PROVIDER_REJECTED", message, status, cause: error });
  }

  if (error instanceof APIError || error instanceof SyntaxError) {
    // A 200 whose body is not JSON, or an error frame inside a stream.
    return new ModelbusError({ code: "E_PROVIDER_RESPONSE_INVALID", message: `invalid provider response: ${error.message}`, cause: error });
  }

  if (isBodyReadFailure(error)) {
    // The SDK reads the body outside its error wrapping: a socket cut mid-body surfaces
    // as undici's bare `TypeError: terminated`, which is a network failure like any other.
    return new ModelbusError({
      code: "E_PROVIDER_NETWORK",
      message: `connection error: ${(error as Error).message}${causeSuffix(error)}`,
      retryReason: "transient",
      cause: error,
    });
  }

  const message = error instanceof Error ? error.message : String(error);
  return new ModelbusError({ code: "E_INTERNAL", message, cause: error });
}

const socketErrorCodes = /^(UND_ERR_|ECONNRESET|ECONNREFUSED|EPIPE|ETIMEDOUT|ENOTFOUND|EAI_AGAIN)/;

function isBodyReadFailure(error: unknown): boolean {
  if (!(error instanceof TypeError)) return false;
  const code = (error.cause as { code?: unknown } | undefined)?.code;
  return error.message === "terminated" || error.message === "fetch failed" || (typeof code === "string" && socketErrorCodes.test(code));
}

function causeSuffix(error: unknown): string {
  const cause = (error as { cause?: unknown }).cause;
  return cause instanceof Error && cause.message ? ` (${cause.message})` : "";
}

/**
 * The provider's own words: `error.message` from the JSON body when there is one (the SDK
 * stores the body's `error` field in `APIError.error`), else the SDK's message without the
 * "<status> " prefix it adds.
 */
function providerMessage(error: APIError, status: number): string {
  const body: unknown = error.error;
  if (typeof body === "string" && body !== "") return body;
  if (typeof body === "object" && body !== null && "message" in body) {
    const inner: unknown = body.message;
    if (typeof inner === "string" && inner !== "") return inner;
    if (inner !== undefined && inner !== null) return JSON.stringify(inner);
  }
  const prefix = `${status} `;
  return error.message.startsWith(prefix) ? error.message.slice(prefix.length) : error.message;
}

/**
 * The SDK's connection error says only "Connection error."; the useful part
 * ("connect ECONNREFUSED 127.0.0.1:9") sits at the bottom of the cause chain.
 */
function describeConnectionError(error: APIConnectionError): string {
  const root = rootCauseMessage(error.cause);
  return root === undefined || root === error.message ? error.message : `${error.message} (${root})`;
}

function rootCauseMessage(cause: unknown): string | undefined {
  let message: string | undefined;
  let current: unknown = cause;
  for (let depth = 0; depth < 10 && current instanceof Error; depth++) {
    if (current.message !== "") message = current.message;
    current = current.cause;
  }
  return message;
}

function describeAbortReason(reason: unknown, error: unknown): string {
  if (reason instanceof Error && reason.message !== "") return reason.message;
  if (typeof reason === "string" && reason !== "") return reason;
  if (error instanceof Error && error.message !== "") return error.message;
  return "aborted";
}
