import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/** The registry /metrics serves (prom-client's, named here so the HTTP door need not import prom-client). */
export type MetricsRegistry = Registry;
import { EndpointWindowStats } from "./endpoint-window-stats.ts";
import { createSemstreamsMetrics } from "./semstreams-metrics.ts";

/**
 * Every metric modelbus exports. The metrics table of docs/operations.md lists each name (a test keeps
 * the two in sync). One registry per service instance, so tests can run several.
 */
export interface MetricsOptions {
  readonly defaultMetrics?: boolean;
  /** Read at scrape time: queue depth per endpoint throttle. */
  readonly throttleQueues?: () => Record<string, { readonly queued: number }>;
  /** Also export semstreams' `semstreams_agentic_model_*` series (`metrics.semstreams`). */
  readonly semstreams?: boolean;
}

/**
 * prom-client's gauges named like counters (`*_total`), which Prometheus' own lint (`promtool
 * check metrics`) refuses; the same counts are in `nodejs_active_handles` etc., by type.
 */
const counterNamedGauges = ["nodejs_active_handles_total", "nodejs_active_requests_total", "nodejs_active_resources_total"];

export function createMetrics(options: MetricsOptions = {}) {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) {
    // Under their standard names (process_cpu_seconds_total, nodejs_eventloop_lag_seconds, …), as dashboards expect them.
    collectDefaultMetrics({ register: registry });
    for (const name of counterNamedGauges) registry.removeSingleMetric(name);
  }
  const registers = [registry];
  return {
    registry,
    semstreams: options.semstreams ? createSemstreamsMetrics(registry) : undefined,
    /** Not exported to Prometheus: each endpoint's last five minutes, for GET /v1/endpoints and the console. */
    endpointWindow: new EndpointWindowStats(),
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
    fallbacks: new Counter({
      name: "modelbus_fallbacks_total",
      help: "Requests moved from one endpoint to the next (after its retries, or because its breaker was open).",
      labelNames: ["from", "to"] as const,
      registers,
    }),
    breakerState: new Gauge({
      name: "modelbus_breaker_state",
      help: "Circuit breaker state per endpoint: 1 for the current state (closed, open, half_open), 0 for the others.",
      labelNames: ["endpoint", "state"] as const,
      registers,
    }),
    throttleWait: new Histogram({
      name: "modelbus_throttle_wait_seconds",
      help: "Time an attempt waited in its endpoint's throttle (rate, concurrency, token budget) before it was sent.",
      labelNames: ["endpoint"] as const,
      buckets: [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60],
      registers,
    }),
    redeliveries: new Counter({
      name: "modelbus_redeliveries_total",
      help: "JetStream deliveries that were not the first for their message (a crash, a nak, an expired ack wait).",
      registers,
    }),
    storeDuration: new Histogram({
      name: "modelbus_store_duration_seconds",
      help: "Duration of one group-committed store batch, by operation (begin: claim + lookups, complete: the outcome transaction).",
      labelNames: ["operation"] as const,
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers,
    }),
    budgetSpend: new Counter({
      name: "modelbus_budget_spend_total",
      help: "Tokens and cost charged against budgets (the reported usage, after the call), by budget scope (agent, role, loop, session) and unit.",
      labelNames: ["scope", "unit"] as const,
      registers,
    }),
    budgetRefusals: new Counter({
      name: "modelbus_budget_refusals_total",
      help: "Requests refused with E_BUDGET_EXCEEDED before any model call, by budget scope and window.",
      labelNames: ["scope", "window"] as const,
      registers,
    }),
    configReloads: new Counter({
      name: "modelbus_config_reloads_total",
      help: "Config reloads (SIGHUP, POST /v1/admin/reload, a file change), by result: applied, or refused (the running config stays).",
      labelNames: ["result"] as const,
      registers,
    }),
    retentionPurged: new Counter({
      name: "modelbus_retention_purged_rows_total",
      help: "Rows deleted for being older than store.retention (or by `modelbus purge`), by table.",
      labelNames: ["table"] as const,
      registers,
    }),
    storeBatchSize: new Histogram({
      name: "modelbus_store_batch_size",
      help: "Requests written per group-committed store batch, by operation.",
      labelNames: ["operation"] as const,
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256],
      registers,
    }),
    overhead: new Histogram({
      name: "modelbus_overhead_seconds",
      help: "Time modelbus itself spent on a request: total handling time minus provider calls and deliberate waits (throttle, backoff), by door.",
      labelNames: ["door"] as const,
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5],
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
