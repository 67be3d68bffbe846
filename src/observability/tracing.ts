import { diag, DiagLogLevel, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type Context, type Span, type Tracer } from "@opentelemetry/api";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import type { SpanExporter } from "@opentelemetry/sdk-trace-base";
import { ATTR_ERROR_TYPE, ATTR_SERVICE_NAME } from "@opentelemetry/semantic-conventions";
import type { AgentResponse, TokenUsage } from "../core/agent-response.ts";
import { ModelbusError } from "../core/modelbus-error.ts";
import type { Logger } from "./logger.ts";

export { SpanKind, SpanStatusCode };
export type { Attributes, Span };

/** Reads one header of an incoming message (NATS headers, HTTP request headers). */
export type HeaderGetter = (name: string) => string | undefined;

const propagator = new W3CTraceContextPropagator();
const getter = {
  get: (carrier: HeaderGetter, key: string) => carrier(key) || undefined,
  keys: () => ["traceparent", "tracestate"],
};
const setter = { set: (carrier: Record<string, string>, key: string, value: string) => void (carrier[key] = value) };

/**
 * One request's trace: its root span (the delivery, or the HTTP request) in the caller's trace
 * when the message carried a W3C `traceparent`, and the children the pipeline adds to it.
 * Everything the pipeline does with it is optional (`trace?.…`): with tracing off there is
 * no RequestTrace and nothing is allocated.
 */
export class RequestTrace {
  readonly context: Context;

  constructor(
    private readonly tracer: Tracer,
    readonly span: Span,
  ) {
    this.context = trace.setSpan(ROOT_CONTEXT, span);
  }

  /** The ids every log line of the request carries. */
  get logIds(): { trace_id: string; span_id: string } {
    const { traceId, spanId } = this.span.spanContext();
    return { trace_id: traceId, span_id: spanId };
  }

  /** A child of the request's span. */
  child(name: string, kind: SpanKind = SpanKind.INTERNAL, attributes?: Attributes): Span {
    return this.tracer.startSpan(name, { kind, ...(attributes ? { attributes } : {}) }, this.context);
  }

  /** An event on the request's span (a retry, a fallback). */
  event(name: string, attributes: Attributes): void {
    this.span.addEvent(name, attributes);
  }

  /** `traceparent` (and `tracestate`) naming `span`, the request's span by default: for a message or call going out. */
  headers(span: Span = this.span): Record<string, string> {
    const carrier: Record<string, string> = {};
    propagator.inject(trace.setSpan(ROOT_CONTEXT, span), carrier, setter);
    return carrier;
  }
}

/** The trace id of a W3C `traceparent` header, when it is one. */
export function traceIdOf(traceparent: string | undefined): string | undefined {
  const match = traceparent === undefined ? null : /^[\da-f]{2}-([\da-f]{32})-[\da-f]{16}-[\da-f]{2}/.exec(traceparent.trim());
  return match && match[1] !== "0".repeat(32) ? match[1] : undefined;
}

/**
 * What every log line of one request carries: its request_id, loop_id and trace id (the
 * request's span's with tracing on; with it off, the caller's, from its `traceparent`).
 */
export function requestLogBindings(
  requestId: string,
  loopId: string | undefined,
  trace: RequestTrace | undefined,
  callerTraceparent?: string,
): Record<string, string> {
  const bindings: Record<string, string> = { request_id: requestId };
  if (loopId) bindings.loop_id = loopId;
  if (trace) Object.assign(bindings, trace.logIds);
  else {
    const callerTraceId = traceIdOf(callerTraceparent);
    if (callerTraceId) bindings.trace_id = callerTraceId;
  }
  return bindings;
}

/** Ends a span as failed with modelbus's error code as `error.type` (or as it is). */
export function endSpan(span: Span, error?: unknown): void {
  if (error !== undefined) {
    const type = error instanceof ModelbusError ? error.code : error instanceof Error ? error.name : "_OTHER";
    span.setAttribute(ATTR_ERROR_TYPE, type);
    span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
  }
  span.end();
}

/** A model's answer in OpenTelemetry's GenAI terms: the model as it answered, finish reason, usage. */
export function genAiAnswerAttributes(model: string | undefined, finishReason: string | undefined, usage: TokenUsage): Attributes {
  return {
    ...(model ? { "gen_ai.response.model": model } : {}),
    ...(finishReason ? { "gen_ai.response.finish_reasons": [finishReason] } : {}),
    "gen_ai.usage.input_tokens": usage.prompt_tokens,
    "gen_ai.usage.output_tokens": usage.completion_tokens,
  };
}

/**
 * The answer on the request's span (genAiAnswerAttributes, the endpoint, retries), and
 * `error.type` (the error code) for an error response.
 */
export function recordResponse(span: Span, response: AgentResponse): void {
  span.setAttributes({
    "modelbus.response.status": response.status,
    ...(response.endpoint ? { "modelbus.endpoint": response.endpoint } : {}),
    ...genAiAnswerAttributes(response.provider_model, response.finish_reason, response.token_usage),
    ...(response.retry_count ? { "modelbus.retry_count": response.retry_count } : {}),
  });
  if (response.status === "error") {
    span.setAttribute(ATTR_ERROR_TYPE, response.error_code ?? "_OTHER");
    span.setStatus({ code: SpanStatusCode.ERROR, message: response.error ?? "" });
  }
}

/** Tracing for the whole process; undefined when it is off. */
export interface Tracing {
  /** A request's root span, continuing the caller's trace when `incoming` carries a `traceparent`. */
  start(name: string, kind: SpanKind, incoming: HeaderGetter | undefined, attributes: Attributes): RequestTrace;
  /** Exports what is still buffered, then stops. */
  shutdown(): Promise<void>;
}

type Environment = Readonly<Record<string, string | undefined>>;

/** What `OTEL_*` asks for: undefined (off), or the exporter to use. Throws E_CONFIG_INVALID for what modelbus cannot do. */
export function tracingExporterFrom(
  env: Environment,
): { readonly kind: "console" } | { readonly kind: "otlp"; readonly protocol: "http/protobuf" | "http/json"; readonly url: string } | undefined {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === "true") return undefined;
  const exporter = (env.OTEL_TRACES_EXPORTER ?? "").trim().toLowerCase();
  const tracesEndpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim();
  const endpoint = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  // Off by default: on once an exporter or an OTLP endpoint is named.
  if (exporter === "none" || (exporter === "" && !tracesEndpoint && !endpoint)) return undefined;
  if (exporter === "console") return { kind: "console" };
  if (exporter !== "" && exporter !== "otlp") {
    throw new ModelbusError({ code: "E_CONFIG_INVALID", message: `OTEL_TRACES_EXPORTER "${exporter}" is not supported: use otlp, console or none` });
  }
  const protocol = (env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? env.OTEL_EXPORTER_OTLP_PROTOCOL ?? "http/protobuf").trim();
  if (protocol !== "http/protobuf" && protocol !== "http/json") {
    throw new ModelbusError({
      code: "E_CONFIG_INVALID",
      message: `OTLP protocol "${protocol}" is not supported: modelbus exports OTLP over HTTP (http/protobuf or http/json)`,
    });
  }
  // As the OTLP exporter specification says: the signal's own endpoint is used as it is, the
  // general one gets /v1/traces appended.
  const url = tracesEndpoint || (endpoint ? `${endpoint.replace(/\/+$/, "")}/v1/traces` : "http://localhost:4318/v1/traces");
  return { kind: "otlp", protocol, url };
}

/**
 * Starts tracing as the `OTEL_*` environment variables ask, with the official SDK: OTLP over
 * HTTP (protobuf, or JSON), a batch span processor, the sampler of OTEL_TRACES_SAMPLER
 * (parent-based always-on by default), service.name from OTEL_SERVICE_NAME ("modelbus").
 * The provider is this service's own, not registered globally: several services in one
 * process (the tests) each export their own spans. The SDK's complaints go to the log. With
 * tracing off the SDK and its exporters are never loaded.
 */
export async function startTracing(env: Environment, logger: Logger): Promise<Tracing | undefined> {
  const chosen = tracingExporterFrom(env);
  if (chosen === undefined) return undefined;
  const [{ BasicTracerProvider, BatchSpanProcessor, ConsoleSpanExporter }, { defaultResource, detectResources, envDetector, resourceFromAttributes }] =
    await Promise.all([import("@opentelemetry/sdk-trace-base"), import("@opentelemetry/resources")]);
  diag.setLogger(
    {
      error: (message, ...args) => logger.warn({ args }, `OpenTelemetry: ${message}`),
      warn: (message, ...args) => logger.warn({ args }, `OpenTelemetry: ${message}`),
      info: () => undefined,
      debug: () => undefined,
      verbose: () => undefined,
    },
    { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true },
  );
  let exporter: SpanExporter;
  if (chosen.kind === "console") exporter = new ConsoleSpanExporter();
  else if (chosen.protocol === "http/json") exporter = new (await import("@opentelemetry/exporter-trace-otlp-http")).OTLPTraceExporter({ url: chosen.url });
  else exporter = new (await import("@opentelemetry/exporter-trace-otlp-proto")).OTLPTraceExporter({ url: chosen.url });
  const resource = defaultResource()
    .merge(detectResources({ detectors: [envDetector] }))
    .merge(resourceFromAttributes({ [ATTR_SERVICE_NAME]: env.OTEL_SERVICE_NAME?.trim() || "modelbus" }));
  const provider = new BasicTracerProvider({ resource, spanProcessors: [new BatchSpanProcessor(exporter)] });
  const tracer = provider.getTracer("modelbus");
  logger.info({ exporter: chosen.kind, ...(chosen.kind === "otlp" ? { url: chosen.url, protocol: chosen.protocol } : {}) }, "tracing on");
  return {
    start(name, kind, incoming, attributes) {
      const parent = incoming ? propagator.extract(ROOT_CONTEXT, incoming, getter) : ROOT_CONTEXT;
      return new RequestTrace(tracer, tracer.startSpan(name, { kind, attributes }, parent));
    },
    shutdown: () => provider.shutdown(),
  };
}
