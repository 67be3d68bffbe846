import { ModelbusError } from "../../core/modelbus-error.ts";
import { HttpError } from "./http-error.ts";

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
