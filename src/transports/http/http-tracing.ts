import type { FastifyInstance, FastifyRequest } from "fastify";
import { SpanKind, SpanStatusCode, type RequestTrace, type Tracing } from "../../observability/tracing.ts";

const traces = new WeakMap<FastifyRequest, RequestTrace>();

/** The HTTP request's trace, when tracing is on. */
export function traceOf(request: FastifyRequest): RequestTrace | undefined {
  return traces.get(request);
}

const firstValue = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);

/**
 * With tracing on, every HTTP request gets a server span (in the caller's trace when it sent a
 * `traceparent`), answers with that span's `traceparent` header, and logs with its trace id.
 * The span ends when the response is done or the client went away ("close" covers both, and
 * SSE responses, which Fastify's own onResponse hook never sees once hijacked).
 */
export function registerHttpTracing(app: FastifyInstance, tracing: Tracing | undefined): void {
  if (tracing === undefined) return;
  app.addHook("onRequest", async (request, reply) => {
    const route = request.routeOptions.url;
    const trace = tracing.start(route ? `${request.method} ${route}` : request.method, SpanKind.SERVER, (name) => firstValue(request.headers[name]), {
      "http.request.method": request.method,
      "url.path": request.url.split("?", 1)[0] ?? request.url,
      ...(route ? { "http.route": route } : {}),
    });
    traces.set(request, trace);
    for (const [name, value] of Object.entries(trace.headers())) reply.raw.setHeader(name, value);
    request.log = request.log.child(trace.logIds);
    reply.raw.once("close", () => {
      const status = reply.raw.statusCode;
      trace.span.setAttribute("http.response.status_code", status);
      if (status >= 500) trace.span.setStatus({ code: SpanStatusCode.ERROR });
      if (!reply.raw.writableFinished) trace.span.setAttribute("error.type", "client_disconnected");
      trace.span.end();
    });
  });
}
