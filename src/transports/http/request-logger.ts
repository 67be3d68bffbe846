import type { FastifyRequest } from "fastify";
import { lazyChildLogger } from "../../observability/lazy-child-logger.ts";
import type { Logger } from "../../observability/logger.ts";
import { traceIdOf } from "../../observability/tracing.ts";
import { traceOf } from "./http-tracing.ts";

/**
 * The request's pino logger with extra bindings (its request_id, …), which also becomes
 * `request.log`, so that the error handler's line carries them too. With tracing off, a
 * caller's `traceparent` still gives the lines its trace id (with tracing on, http-tracing.ts
 * has bound the server span's). Fastify types the logger as its narrower FastifyBaseLogger,
 * but createHttpServer hands Fastify our pino instance, so every request logger is a pino
 * child. Made on first use (lazyChildLogger): most requests log nothing.
 */
export function requestLogger(request: FastifyRequest, bindings: Record<string, unknown>): Logger {
  // Read only if the request logs, as the NATS door does.
  const withCallerTrace = () => {
    const header = request.headers.traceparent;
    const callerTraceId = traceOf(request) === undefined && typeof header === "string" ? traceIdOf(header) : undefined;
    return callerTraceId ? { ...bindings, trace_id: callerTraceId } : bindings;
  };
  const logger = lazyChildLogger(request.log as unknown as Logger, withCallerTrace);
  request.log = logger as unknown as FastifyRequest["log"];
  return logger;
}
