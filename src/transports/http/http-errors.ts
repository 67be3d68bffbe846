/**
 * HTTP errors, one model for every route: HttpError carries a catalog code, the one table maps
 * the code to the status, every failure answers OpenAI's error body, anything thrown (by a
 * route, a zod validation or Fastify itself) becomes an HttpError, and the Fastify handlers
 * send it.
 */
import type { FastifyInstance, FastifyReply, FastifySchemaCompiler } from "fastify";
import type { z } from "zod";
import type { ErrorCode } from "../../core/error-codes.ts";
import { ModelbusError } from "../../core/modelbus-error.ts";

export interface HttpErrorOptions {
  readonly code: ErrorCode;
  readonly message: string;
  readonly details?: Record<string, unknown> | undefined;
  /** Seconds the client should wait before trying again (sent as Retry-After). */
  readonly retryAfterSeconds?: number | undefined;
  readonly cause?: unknown;
}

/**
 * A failure to answer over HTTP. The status comes from the code (httpStatusForCode below),
 * never from the thrower, so one code always means one status.
 */
export class HttpError extends ModelbusError {
  readonly details: Record<string, unknown>;
  readonly retryAfterSeconds: number | undefined;

  constructor(options: HttpErrorOptions) {
    super({ code: options.code, message: options.message, cause: options.cause });
    this.details = options.details ?? {};
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

export const notFound = (what: string, id: string) => new HttpError({ code: "E_NOT_FOUND", message: `${what} "${id}" not found`, details: { [what]: id } });

export const invalidField = (field: string, message: string) =>
  new HttpError({ code: "E_REQUEST_INVALID", message: `${field}: ${message}`, details: { issues: [{ field, message }] } });

/**
 * The one table from error code to HTTP status. A Record over every code, so a new code
 * does not compile until it has a status here.
 */
const statusByCode: Record<ErrorCode, number> = {
  E_REQUEST_INVALID: 400,
  E_PAYLOAD_INVALID: 400,
  E_UNAUTHORIZED: 401,
  E_NOT_FOUND: 404,
  E_MODEL_UNKNOWN: 404,
  E_REQUEST_TIMEOUT: 408,
  E_CONFLICT: 409,
  E_BODY_TOO_LARGE: 413,
  E_URL_TOO_LONG: 414,
  E_MEDIA_TYPE_UNSUPPORTED: 415,
  E_IDEMPOTENCY_KEY_REUSED: 422,
  E_PROVIDER_RATE_LIMITED: 429,
  E_BUDGET_EXCEEDED: 429,
  E_HEADERS_TOO_LARGE: 431,
  E_CONFIG_INVALID: 500,
  E_INTERNAL: 500,
  E_PROVIDER_UNAVAILABLE: 502,
  E_PROVIDER_NETWORK: 502,
  E_PROVIDER_AUTH: 502,
  E_PROVIDER_REJECTED: 502,
  E_PROVIDER_RESPONSE_INVALID: 502,
  E_PROVIDER_STREAM_INTERRUPTED: 502,
  E_THROTTLE_QUEUE_FULL: 503,
  E_THROTTLE_UNAVAILABLE: 503,
  E_CIRCUIT_OPEN: 503,
  E_STORE_UNAVAILABLE: 503,
  E_MIGRATION_CHECKSUM: 503,
  E_MIGRATION_FAILED: 503,
  E_MIGRATION_LOCK_TIMEOUT: 503,
  E_MIGRATION_INVALID: 503,
  E_MIGRATION_ENGINE_UNSUPPORTED: 503,
  E_CANCELLED: 503,
  E_REQUEST_IN_FLIGHT: 503,
  E_PROVIDER_TIMEOUT: 504,
};

export function httpStatusForCode(code: ErrorCode): number {
  return statusByCode[code];
}

/**
 * OpenAI's error `type` vocabulary (the `Error` schema of openai/openai-openapi, and what its
 * API sends), so OpenAI clients in every language read our errors as their own.
 */
export type OpenAIErrorType = "invalid_request_error" | "authentication_error" | "permission_error" | "rate_limit_error" | "server_error";

/** The type of a status, as OpenAI's API gives it: the client's fault by kind, else the server's. */
export function openAIErrorType(status: number): OpenAIErrorType {
  if (status === 401) return "authentication_error";
  if (status === 403) return "permission_error";
  if (status === 429) return "rate_limit_error";
  return status < 500 ? "invalid_request_error" : "server_error";
}

/**
 * The one JSON error shape of every HTTP route: OpenAI's `{"error":{"message","type","param","code"}}`
 * with our catalog code as `code` and the specifics in `details`.
 */
export interface ErrorBody {
  readonly error: {
    readonly code: ErrorCode;
    readonly message: string;
    readonly type: OpenAIErrorType;
    /** The request field at fault (the first one a validation names), or null. */
    readonly param: string | null;
    readonly details: Record<string, unknown>;
  };
}

/** The field a validation error names first (details.issues, see requestInvalid), if any. */
function paramOf(details: Record<string, unknown>): string | null {
  const [first] = Array.isArray(details.issues) ? (details.issues as Array<{ field?: unknown }>) : [];
  return typeof first?.field === "string" ? first.field : null;
}

export function errorBody(code: ErrorCode, message: string, details: Record<string, unknown> = {}): ErrorBody {
  return { error: { code, message, type: openAIErrorType(httpStatusForCode(code)), param: paramOf(details), details } };
}

export interface FieldIssue {
  readonly field: string;
  readonly message: string;
}

function fieldOf(location: string, path: readonly PropertyKey[], extraKey?: string): string {
  const parts = [...path.map(String), ...(extraKey === undefined ? [] : [extraKey])];
  return parts.length === 0 ? location : parts.join(".");
}

/** Zod issues as `{field, message}` pairs; "received undefined" reads better as "is required". */
export function fieldIssues(location: string, issues: readonly z.core.$ZodIssue[]): FieldIssue[] {
  return issues.flatMap((issue): FieldIssue[] => {
    if (issue.code === "unrecognized_keys") {
      return issue.keys.map((key) => ({ field: fieldOf(location, issue.path, key), message: "unknown field" }));
    }
    const message = /received undefined$/.test(issue.message) ? "is required" : issue.message;
    return [{ field: fieldOf(location, issue.path), message }];
  });
}

/**
 * A 400 naming the fields at fault: the message names the first, `details.issues` lists all,
 * `details.location` says which part of the request (body, querystring, params, headers).
 */
export function requestInvalid(location: string, issues: readonly FieldIssue[]): HttpError {
  const [first] = issues;
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : "";
  return new HttpError({
    code: "E_REQUEST_INVALID",
    message: first ? `${first.field}: ${first.message}${more}` : `invalid ${location}`,
    details: { location, issues },
  });
}

/** Parses with a schema; failure is the same 400 the route validators produce. */
export function parseOrThrow<T extends z.ZodType>(schema: T, value: unknown, location: string): z.output<T> {
  const result = schema.safeParse(value);
  if (!result.success) throw requestInvalid(location, fieldIssues(location, result.error.issues));
  return result.data;
}

/**
 * Route schemas are zod schemas (one source of truth with the types the handlers use):
 * Fastify hands each route part to this compiler, and the parsed value (defaults and
 * transforms applied) replaces the raw one. A failure is an E_REQUEST_INVALID HttpError,
 * which the error handler answers with 400 and the fields at fault.
 */
export const zodValidatorCompiler: FastifySchemaCompiler<z.ZodType> = ({ schema, httpPart }) => {
  const location = httpPart ?? "request";
  return (data: unknown) => {
    const result = schema.safeParse(data);
    if (result.success) return { value: result.data };
    return { error: requestInvalid(location, fieldIssues(location, result.error.issues)) };
  };
};

/** Fastify's own failures (body parsing, limits), by their FST_ code. */
const fastifyCodes: Record<string, HttpError["code"]> = {
  FST_ERR_CTP_BODY_TOO_LARGE: "E_BODY_TOO_LARGE",
  FST_ERR_CTP_INVALID_MEDIA_TYPE: "E_MEDIA_TYPE_UNSUPPORTED",
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: "E_REQUEST_INVALID",
  FST_ERR_CTP_EMPTY_JSON_BODY: "E_REQUEST_INVALID",
  FST_ERR_CTP_INVALID_JSON_BODY: "E_REQUEST_INVALID",
};

/**
 * Whatever a route or Fastify threw, as an HttpError with a catalog code. Unknown
 * failures become E_INTERNAL without their message (it may name internals); the caller
 * logs the original.
 */
export function toHttpError(error: unknown): HttpError {
  if (error instanceof HttpError) return error;
  if (error instanceof ModelbusError) return new HttpError({ code: error.code, message: error.message, cause: error });
  const fastify = error as { code?: unknown; statusCode?: unknown; message?: unknown };
  const mapped = typeof fastify.code === "string" ? fastifyCodes[fastify.code] : undefined;
  const message = typeof fastify.message === "string" ? fastify.message : "request failed";
  if (mapped) return new HttpError({ code: mapped, message, cause: error });
  if (error instanceof SyntaxError) return new HttpError({ code: "E_REQUEST_INVALID", message: `body is not valid JSON: ${message}`, cause: error });
  if (typeof fastify.statusCode === "number" && fastify.statusCode >= 400 && fastify.statusCode < 500) {
    return new HttpError({ code: "E_REQUEST_INVALID", message, cause: error });
  }
  return new HttpError({ code: "E_INTERNAL", message: "internal error", cause: error });
}

export function sendHttpError(reply: FastifyReply, error: HttpError): FastifyReply {
  if (error.retryAfterSeconds !== undefined) reply.header("retry-after", String(error.retryAfterSeconds));
  return reply
    .code(httpStatusForCode(error.code))
    .type("application/json; charset=utf-8")
    .send(errorBody(error.code, error.message, error.details));
}

/**
 * One error shape everywhere: thrown errors, validation failures, Fastify's body errors and
 * unknown routes all answer `{"error":{"code","message","details"}}` with a catalog code.
 */
export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((thrown, request, reply) => {
    const error = toHttpError(thrown);
    const status = httpStatusForCode(error.code);
    if (status >= 500) {
      request.log.error({ err: error.cause instanceof Error ? error.cause : error, code: error.code, url: request.url }, "HTTP request failed");
    }
    if (reply.sent || reply.raw.headersSent) return;
    return sendHttpError(reply, error);
  });

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split("?")[0] ?? request.url;
    return reply
      .code(404)
      .type("application/json; charset=utf-8")
      .send(errorBody("E_NOT_FOUND", `no route ${request.method} ${path}`, { method: request.method, path }));
  });
}
