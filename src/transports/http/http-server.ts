import Fastify, { LogController, type FastifyInstance } from "fastify";
import { lazyChildLogger } from "../../observability/lazy-child-logger.ts";
import type { Logger } from "../../observability/logger.ts";
import { registerErrorHandling } from "./register-error-handling.ts";
import { zodValidatorCompiler } from "./zod-validator-compiler.ts";

/**
 * The one HTTP server; routes are registered by each feature. Logs through our pino
 * logger, without a log line per request (the hot path stays quiet; metrics count).
 * Route schemas are zod schemas, and every failure answers in the one error shape.
 */
export function createHttpServer(options: { logger: Logger; bodyLimitBytes?: number }): FastifyInstance {
  const app = Fastify({
    loggerInstance: options.logger.child({ component: "http" }),
    logController: new LogController({ disableRequestLogging: true }),
    // Fastify makes a child logger per request; pino's costs ~2 KB of garbage, for nothing
    // when the request logs nothing.
    childLoggerFactory: (logger, bindings) => lazyChildLogger(logger as unknown as Logger, bindings),
    bodyLimit: options.bodyLimitBytes ?? 1_048_576,
  }) as unknown as FastifyInstance;
  // A JSON API: a text body would only fail later as "expected object"; refuse it as 415.
  app.removeContentTypeParser("text/plain");
  app.setValidatorCompiler(zodValidatorCompiler);
  registerErrorHandling(app);
  return app;
}
