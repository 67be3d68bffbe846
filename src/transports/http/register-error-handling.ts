import type { FastifyInstance, FastifyReply } from "fastify";
import { errorBody } from "./error-body.ts";
import type { HttpError } from "./http-error.ts";
import { httpStatusForCode } from "./http-status-for-code.ts";
import { toHttpError } from "./to-http-error.ts";

export function sendHttpError(reply: FastifyReply, error: HttpError): FastifyReply {
  if (error.retryAfterSeconds !== undefined) reply.header("retry-after", String(error.retryAfterSeconds));
  return reply.code(httpStatusForCode(error.code)).type("application/json; charset=utf-8").send(errorBody(error.code, error.message, error.details));
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
