import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/**
 * Every metric modelbus exports. The README's metrics table lists each name (a test keeps
 * the two in sync). One registry per service instance, so tests can run several.
 */
export interface MetricsOptions {
  readonly defaultMetrics?: boolean;
  /** Read at scrape time: queue depth per endpoint throttle. */
  readonly throttleQueues?: () => Record<string, { readonly queued: number }>;
}

export function createMetrics(options: MetricsOptions = {}) {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: "modelbus_process_" });
  const registers = [registry];
  return {
    registry,
    requests: new Counter({
      name: "modelbus_requests_total",
      help: "Requests answered, by endpoint and response status (complete, tool_call, length_truncated, error).",
      labelNames: ["endpoint", "status"] as const,
      registers,
    }),
    errors: new Counter({
      name: "modelbus_errors_total",
      help: "Errors by stable error code (E_*), including bad payloads that never reached an endpoint.",
      labelNames: ["code"] as const,
      registers,
    }),
    tokens: new Counter({
      name: "modelbus_tokens_total",
      help: "Tokens reported by providers, by endpoint and type (prompt, completion).",
      labelNames: ["endpoint", "type"] as const,
      registers,
    }),
    retries: new Counter({
      name: "modelbus_retries_total",
      help: "Provider retries scheduled, by endpoint and reason (transient, rate_limit).",
      labelNames: ["endpoint", "reason"] as const,
      registers,
    }),
    rateLimitHits: new Counter({
      name: "modelbus_rate_limit_hits_total",
      help: "HTTP 429 answers received from providers, by endpoint.",
      labelNames: ["endpoint"] as const,
      registers,
    }),
    inFlight: new Gauge({
      name: "modelbus_requests_in_flight",
      help: "Requests currently being worked on, by endpoint.",
      labelNames: ["endpoint"] as const,
      registers,
    }),
    requestDuration: new Histogram({
      name: "modelbus_request_duration_seconds",
      help: "Time from taking a request to having its response, by endpoint.",
      labelNames: ["endpoint"] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
      registers,
    }),
    timeToFirstToken: new Histogram({
      name: "modelbus_stream_ttft_seconds",
      help: "Streaming: time from sending the request to the first content or reasoning token, by endpoint.",
      labelNames: ["endpoint"] as const,
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 40],
      registers,
    }),
    streamChunks: new Counter({
      name: "modelbus_stream_chunks_total",
      help: "Streaming: SSE chunks received from providers, by endpoint.",
      labelNames: ["endpoint"] as const,
      registers,
    }),
    deliveries: new Counter({
      name: "modelbus_deliveries_total",
      help: "JetStream deliveries settled, by outcome (ack, nak, term) and reason.",
      labelNames: ["outcome", "reason"] as const,
      registers,
    }),
    throttleQueued: new Gauge({
      name: "modelbus_throttle_queued",
      help: "Requests waiting in an endpoint's throttle queue.",
      labelNames: ["endpoint"] as const,
      registers,
      collect() {
        for (const [endpoint, stats] of Object.entries(options.throttleQueues?.() ?? {})) this.set({ endpoint }, stats.queued);
      },
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
