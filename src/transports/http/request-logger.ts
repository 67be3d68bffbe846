import type { FastifyRequest } from "fastify";
import type { Logger } from "../../observability/logger.ts";

/**
 * The request's pino logger with extra bindings. Fastify types it as its narrower
 * FastifyBaseLogger, but createHttpServer hands Fastify our pino instance, so every
 * request logger is a pino child.
 */
export function requestLogger(request: FastifyRequest, bindings: Record<string, unknown>): Logger {
  return (request.log as unknown as Logger).child(bindings);
}
