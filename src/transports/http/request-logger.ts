import type { FastifyRequest } from "fastify";
import { lazyChildLogger } from "../../observability/lazy-child-logger.ts";
import type { Logger } from "../../observability/logger.ts";

/**
 * The request's pino logger with extra bindings. Fastify types it as its narrower
 * FastifyBaseLogger, but createHttpServer hands Fastify our pino instance, so every
 * request logger is a pino child. Made on first use (lazyChildLogger): most requests log nothing.
 */
export function requestLogger(request: FastifyRequest, bindings: Record<string, unknown>): Logger {
  return lazyChildLogger(request.log as unknown as Logger, bindings);
}
