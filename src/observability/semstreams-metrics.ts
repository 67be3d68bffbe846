import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import type { AgentResponse } from "../core/agent-response.ts";
import type { ErrorCode } from "../core/error-codes.ts";

/** prometheus.ExponentialBuckets(start, factor, count). */
function exponentialBuckets(start: number, factor: number, count: number): number[] {
  return Array.from({ length: count }, (_, index) => start * factor ** index);
}

/** semstreams' error_type, from our codes rather than from the error's text (its classifyError). */
function errorType(code: ErrorCode | undefined): "timeout" | "connection" | "rate_limit" | "unknown" {
  if (code === "E_PROVIDER_TIMEOUT") return "timeout";
  if (code === "E_PROVIDER_NETWORK") return "connection";
  if (code === "E_PROVIDER_RATE_LIMITED") return "rate_limit";
  return "unknown";
}

/**
 * The 14 series semstreams' agentic-model exports (processor/agentic-model/metrics.go:
 * namespace `semstreams`, subsystem `agentic_model`), with its names, help texts, labels,
 * buckets and recording points, so dashboards and alerts written for semstreams keep working
 * (`metrics.semstreams: true`). `model` is the request's model as semstreams labels it (a
 * capability or endpoint name; a name the registry does not know is labelled with the
 * endpoint it was sent to, so clients cannot grow the label set); the stream, rate-limit and
 * request-size series carry the provider model, as there.
 */
export function createSemstreamsMetrics(registry: Registry) {
  const registers = [registry];
  const name = (suffix: string) => `semstreams_agentic_model_${suffix}`;
  const series = {
    requests: new Counter({
      name: name("requests_total"),
      help: "Total model requests by model and status",
      labelNames: ["model", "status"] as const,
      registers,
    }),
    duration: new Histogram({
      name: name("request_duration_seconds"),
      help: "Model request latency in seconds",
      labelNames: ["model"] as const,
      buckets: exponentialBuckets(0.1, 2, 10),
      registers,
    }),
    inFlight: new Gauge({ name: name("requests_in_flight"), help: "Number of model requests currently in flight", labelNames: ["model"] as const, registers }),
    errors: new Counter({
      name: name("errors_total"),
      help: "Total model errors by model and error type",
      labelNames: ["model", "error_type"] as const,
      registers,
    }),
    toolCalls: new Histogram({
      name: name("tool_calls_returned"),
      help: "Distribution of tool calls per response",
      labelNames: ["model"] as const,
      buckets: [0, 1, 2, 3, 5, 10],
      registers,
    }),
    tokens: new Counter({
      name: name("tokens_total"),
      help: "Total tokens used by model and type (prompt/completion)",
      labelNames: ["model", "type"] as const,
      registers,
    }),
    streamChunks: new Counter({
      name: name("stream_chunks_total"),
      help: "Total streaming chunks received by model",
      labelNames: ["model"] as const,
      registers,
    }),
    ttft: new Histogram({
      name: name("stream_ttft_seconds"),
      help: "Time-to-first-token for streaming requests",
      labelNames: ["model"] as const,
      buckets: exponentialBuckets(0.01, 2, 12),
      registers,
    }),
    rateLimitHits: new Counter({
      name: name("rate_limit_hits_total"),
      help: "Total HTTP 429 rate-limit responses received by model",
      labelNames: ["model"] as const,
      registers,
    }),
    rateLimitRetries: new Counter({
      name: name("rate_limit_retries_total"),
      help: "Total retry attempts after 429 rate-limit responses by model",
      labelNames: ["model"] as const,
      registers,
    }),
    truncations: new Counter({
      name: name("length_truncations_total"),
      help: "Total responses truncated due to finish_reason=length (max_tokens hit)",
      labelNames: ["model"] as const,
      registers,
    }),
    health: new Gauge({
      name: name("endpoint_health_state"),
      help: "Circuit-breaker state for each endpoint (1 if endpoint is in this state, 0 otherwise). state label: closed, open, half_open.",
      labelNames: ["endpoint", "state"] as const,
      registers,
    }),
    requestBytes: new Histogram({
      name: name("request_bytes"),
      help: "Distribution of outgoing request body sizes by backend and model. Used to observe the stateless reasoning-echo cost on the Responses backend (ADR-051).",
      labelNames: ["backend", "model"] as const,
      buckets: exponentialBuckets(1024, 2, 14),
      registers,
    }),
    // modelbus never latches a delivery lane (it settles every delivery itself), so this stays at 0.
    refusals: new Counter({
      name: name("delivery_refusals_total"),
      help: "Deliveries refused unsettled by a latched lane, by port",
      labelNames: ["lane"] as const,
      registers,
    }),
  };

  return {
    /** After the request's endpoint chain was found (resolution failures are not counted, as there). */
    started(model: string): void {
      series.inFlight.inc({ model });
    },
    /** The request's outcome, success or error response. */
    finished(model: string, response: AgentResponse, seconds: number): void {
      series.inFlight.dec({ model });
      const success = response.status !== "error";
      series.requests.inc({ model, status: success ? "success" : "error" });
      series.duration.observe({ model }, seconds);
      if (success) series.toolCalls.observe({ model }, response.message.tool_calls?.length ?? 0);
      else series.errors.inc({ model, error_type: errorType(response.error_code) });
      if (response.token_usage.prompt_tokens > 0) series.tokens.inc({ model, type: "prompt" }, response.token_usage.prompt_tokens);
      if (response.token_usage.completion_tokens > 0) series.tokens.inc({ model, type: "completion" }, response.token_usage.completion_tokens);
      if (success && response.finish_reason === "length") series.truncations.inc({ model });
    },
    /** A request handed back unanswered (shutdown): out of flight, not an outcome. */
    abandoned(model: string): void {
      series.inFlight.dec({ model });
    },
    streamed(providerModel: string, chunks: number, firstTokenSeconds: number | undefined): void {
      series.streamChunks.inc({ model: providerModel }, chunks);
      if (firstTokenSeconds !== undefined) series.ttft.observe({ model: providerModel }, firstTokenSeconds);
    },
    rateLimited(providerModel: string): void {
      series.rateLimitHits.inc({ model: providerModel });
    },
    rateLimitRetry(providerModel: string): void {
      series.rateLimitRetries.inc({ model: providerModel });
    },
    requestBytes(backend: "responses", providerModel: string, bytes: number): void {
      series.requestBytes.observe({ backend, model: providerModel }, bytes);
    },
    breakerState(endpoint: string, state: "closed" | "open" | "half_open"): void {
      for (const candidate of ["closed", "open", "half_open"] as const) series.health.set({ endpoint, state: candidate }, candidate === state ? 1 : 0);
    },
  };
}

export type SemstreamsMetrics = ReturnType<typeof createSemstreamsMetrics>;
