import type { Socket } from "node:net";
import Fastify, { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import type { ErrorCode } from "../../core/error-codes.ts";
import { lazyChildLogger } from "../../observability/lazy-child-logger.ts";
import type { Logger } from "../../observability/logger.ts";
import { errorBody, HttpError, httpStatusForCode, registerErrorHandling, sendHttpError, zodValidatorCompiler } from "./http-errors.ts";

/** Failures the router catches before a route runs, in the catalog's terms. */
function frameworkError(error: { code?: string }, request: FastifyRequest, reply: FastifyReply): void {
  const path = request.url.split("?")[0] ?? request.url;
  const httpError =
    error.code === "FST_ERR_MAX_PARAM_LENGTH"
      ? new HttpError({ code: "E_URL_TOO_LONG", message: "a path parameter is longer than 100 characters", details: { path: path.slice(0, 200) } })
      : error.code === "FST_ERR_BAD_URL"
        ? new HttpError({ code: "E_REQUEST_INVALID", message: "the URL is not valid percent-encoding", details: { path: path.slice(0, 200) } })
        : new HttpError({ code: "E_INTERNAL", message: "the request could not be routed", details: { reason: error.code ?? "unknown" } });
  void sendHttpError(reply, httpError);
}

/** What Node's HTTP parser refused (no request object exists yet): one raw response, then the socket closes. */
function clientError(error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === "ECONNRESET" || socket.destroyed) return;
  const [code, message]: [ErrorCode, string] =
    error.code === "HPE_HEADER_OVERFLOW"
      ? ["E_HEADERS_TOO_LARGE", "the request's headers are larger than the server takes"]
      : error.code === "ERR_HTTP_REQUEST_TIMEOUT"
        ? ["E_REQUEST_TIMEOUT", "the request did not arrive in time"]
        : ["E_REQUEST_INVALID", `malformed HTTP request (${error.code ?? "parse error"})`];
  const status = httpStatusForCode(code);
  const body = JSON.stringify(errorBody(code, message));
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${statusText[status] ?? "Error"}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}

const statusText: Record<number, string> = { 400: "Bad Request", 408: "Request Timeout", 431: "Request Header Fields Too Large" };

/**
 * The one HTTP server; routes are registered by each feature. Logs through our pino
 * logger, without a log line per request (the hot path stays quiet; metrics count).
 * Route schemas are zod schemas, and every failure answers in the one error shape, the
 * framework's and Node's own refusals included.
 */
export function createHttpServer(options: { logger: Logger; bodyLimitBytes?: number }): FastifyInstance {
  const app = Fastify({
    loggerInstance: options.logger.child({ component: "http" }),
    logController: new LogController({ disableRequestLogging: true }),
    // Fastify makes a child logger per request; pino's costs ~2 KB of garbage, for nothing
    // when the request logs nothing.
    childLoggerFactory: (logger, bindings) => lazyChildLogger(logger as unknown as Logger, bindings),
    bodyLimit: options.bodyLimitBytes ?? 1_048_576,
    frameworkErrors: frameworkError,
    clientErrorHandler: clientError,
    // Requests that arrive while the server closes get our 503 (register-http-routes.ts), not Fastify's.
    return503OnClosing: false,
  }) as unknown as FastifyInstance;
  // A JSON API: a text body would only fail later as "expected object"; refuse it as 415.
  app.removeContentTypeParser("text/plain");
  app.setValidatorCompiler(zodValidatorCompiler);
  registerErrorHandling(app);
  return app;
}

/**
 * The HTTP door's shutdown: `begin` refuses new requests (503 E_CANCELLED, connection closed)
 * while those in flight go on; `cancel` (the shutdown deadline) aborts them, which gives up
 * their provider calls and throttle slots and answers their clients 503 E_CANCELLED.
 */
export class HttpDrain {
  #draining = false;
  readonly #cancel = new AbortController();

  get draining(): boolean {
    return this.#draining;
  }

  /** Aborts, with E_CANCELLED, the requests still running at the deadline. */
  get signal(): AbortSignal {
    return this.#cancel.signal;
  }

  begin(): void {
    this.#draining = true;
  }

  cancel(): void {
    this.#cancel.abort(new HttpError({ code: "E_CANCELLED", message: "the service is shutting down" }));
  }
}

/** While draining, every new request is refused in the catalog's shape. */
export function refuseWhileDraining(app: FastifyInstance, drain: HttpDrain): void {
  app.addHook("onRequest", async (_request, reply) => {
    if (!drain.draining) return;
    reply.header("connection", "close").header("retry-after", "1");
    return sendHttpError(reply, new HttpError({ code: "E_CANCELLED", message: "the service is shutting down" }));
  });
}

const settled = (promise: Promise<unknown>, ms: number) =>
  Promise.race([
    promise.then(
      () => true,
      () => true,
    ),
    new Promise<boolean>((resolve) => setTimeout(() => resolve(false), ms).unref()),
  ]);

/**
 * Closes the server within a bound: stop listening and wait for the requests in flight until
 * `deadlineMs`; then cancel them and give their answers `graceMs` to go out; then cut every
 * connection still open. Resolves whether the requests finished in time.
 */
export async function closeHttpServer(app: FastifyInstance, drain: HttpDrain, deadlineMs: number, graceMs: number): Promise<{ finished: boolean }> {
  drain.begin();
  const closing = app.close();
  if (await settled(closing, deadlineMs)) return { finished: true };
  drain.cancel();
  if (!(await settled(closing, graceMs))) app.server.closeAllConnections();
  await settled(closing, graceMs);
  return { finished: false };
}
