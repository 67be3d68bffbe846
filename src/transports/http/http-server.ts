import Fastify, { LogController, type FastifyInstance } from "fastify";
import type { Logger } from "../../observability/logger.ts";

/**
 * The one HTTP server; routes are registered by each feature. Logs through our pino
 * logger, without a log line per request (the hot path stays quiet; metrics count).
 */
export function createHttpServer(options: { logger: Logger; bodyLimitBytes?: number }): FastifyInstance {
  return Fastify({
    loggerInstance: options.logger.child({ component: "http" }),
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: options.bodyLimitBytes ?? 1_048_576,
  }) as unknown as FastifyInstance;
}
