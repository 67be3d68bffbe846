import type { AgentRequest } from "../core/agent-request.ts";
import type { ProviderResult, StreamDelta } from "../core/chat-provider.ts";
import { ModelbusError } from "../core/modelbus-error.ts";
import type { Logger } from "../observability/logger.ts";
import { endSpan, genAiAnswerAttributes, SpanKind, type Attributes, type RequestTrace, type Span } from "../observability/tracing.ts";
import { runWithRetry, type RetryOutcome } from "../retry/run-with-retry.ts";
import type { PipelineDependencies, RequestTiming } from "./pipeline-dependencies.ts";
import { estimateTokens } from "./estimate-tokens.ts";
import { attemptTimeoutMs } from "./request-deadline.ts";
import type { EndpointThrottle } from "../throttle/endpoint-throttle.ts";
import type { EndpointConfig } from "../config/config-schema.ts";

export interface EndpointCall {
  readonly request: AgentRequest;
  readonly endpointName: string;
  /** The request's deadline (request-deadline.ts): aborts when it passes or the service stops. */
  readonly signal: AbortSignal;
  readonly deadlineMs: number;
  readonly logger: Logger;
  readonly onDelta: ((delta: StreamDelta) => void) | undefined;
  readonly timing: RequestTiming;
  /** The deployment group the endpoint was picked from: a 429 cools the deployment down. */
  readonly group?: string | undefined;
  /** Another deployment of the group can take the request: a 429 is not retried here but there. */
  readonly moveOnRateLimit?: boolean | undefined;
  /** The request's trace, when tracing is on: a span per throttle wait and per attempt. */
  readonly trace?: RequestTrace | undefined;
}

/**
 * A 429 asking for a pause longer than we would ever back off is not worth waiting out:
 * the endpoint is cooled down for that long and the request moves on to the next one.
 */
function coolDownOnLongPause(dependencies: PipelineDependencies, endpointName: string, error: ModelbusError): ModelbusError {
  const pause = error.retryAfterMs;
  if (error.status !== 429 || pause === undefined || pause <= dependencies.retryPolicy.maxDelayMs) return error;
  dependencies.breakers.for(endpointName).coolDown(pause);
  return new ModelbusError({
    code: error.code,
    message: `${error.message} (endpoint cooled down for ${Math.ceil(pause / 1_000)}s)`,
    status: 429,
    cause: error,
  });
}

/**
 * What a failed call really consumed: its partial usage when a stream broke, nothing when
 * the provider refused it outright, and (unknown) the whole estimate otherwise.
 */
function tokenCorrection(error: ModelbusError, estimate: number): number {
  if (error.partial) return error.partial.usage.prompt_tokens + error.partial.usage.completion_tokens - estimate;
  const refused = error.status !== undefined && error.status >= 400 && error.status < 500;
  return refused ? -estimate : 0;
}

/**
 * An attempt that ran into its endpoint's `request_timeout` (not the request's deadline) is
 * a slow attempt, not a lost request: retried, then the next endpoint, while time is left.
 */
function attemptTimedOut(error: ModelbusError, signal: AbortSignal, endpointName: string, capMs: number | undefined): ModelbusError {
  if (error.code !== "E_PROVIDER_TIMEOUT" || signal.aborted || !capMs) return error;
  return new ModelbusError({
    code: "E_PROVIDER_TIMEOUT",
    message: `attempt on endpoint "${endpointName}" passed its request_timeout (${capMs}ms)`,
    retryReason: "transient",
    cause: error,
  });
}

/** One endpoint's attempts: throttle, then the provider under the retry policy, within the request's deadline. */
export async function runEndpointAttempts(dependencies: PipelineDependencies, call: EndpointCall): Promise<RetryOutcome<ProviderResult>> {
  const { registry, throttles, metrics, now } = dependencies;
  const { request, endpointName, logger, timing } = call;
  const endpoint = registry.endpoint(endpointName);
  if (!endpoint) {
    const error = new ModelbusError({ code: "E_INTERNAL", message: `route names unknown endpoint "${endpointName}"` });
    return { ok: false, error, retryCount: 0, retries: [] };
  }
  if ((request.tools?.length ?? 0) > 0 && !endpoint.supports_tools) {
    logger.warn({ endpoint: endpointName, tool_count: request.tools?.length }, "endpoint does not support tools; tools stripped");
  }
  // Stream when someone listens for deltas and the request or the endpoint asks for it.
  const stream = call.onDelta !== undefined && (request.stream === true || endpoint.stream);
  const streaming = stream ? { stream, onDelta: call.onDelta, firstTokenTimeoutMs: endpoint.first_token_timeout || dependencies.firstTokenTimeoutMs } : {};
  const tokens = endpoint.tokens_per_minute > 0 ? estimateTokens(request, endpoint) : 0;
  const warn = (message: string, details?: Record<string, unknown>) => logger.warn({ endpoint: endpointName, ...details }, message);
  const sleep = async (ms: number, signal?: AbortSignal) => {
    const startedAt = now();
    try {
      await dependencies.sleep(ms, signal);
    } finally {
      timing.waitMs += now() - startedAt;
    }
  };

  const { signal, deadlineMs, trace } = call;
  const capMs = endpoint.request_timeout || undefined;
  metrics.inFlight.inc({ endpoint: endpointName });
  try {
    let queuedAt = 0;
    let waitSpan: Span | undefined;
    let attemptNumber = 0;
    // The throttle is looked up for every attempt: after a config reload that changed the
    // endpoint's limits, a retry queues on the new one (the old one stops once idle).
    const attempt = async (throttle: EndpointThrottle) => {
      const startedAt = now();
      timing.waitMs += startedAt - queuedAt;
      metrics.throttleWait.observe({ endpoint: endpointName }, (startedAt - queuedAt) / 1_000);
      waitSpan?.end();
      const span = trace?.child(`chat ${endpoint.model}`, SpanKind.CLIENT, attemptAttributes(endpointName, endpoint, request, attemptNumber));
      try {
        const timeoutMs = attemptTimeoutMs(deadlineMs, startedAt, capMs);
        const headers = span ? trace?.headers(span) : undefined;
        const result = await dependencies.provider.complete(endpointName, request, { signal, timeoutMs, warn, ...streaming, ...(headers ? { headers } : {}) });
        if (span) recordResult(span, result);
        if (tokens > 0) void throttle.adjustTokens(result.usage.prompt_tokens + result.usage.completion_tokens - tokens);
        if (result.streamStats) {
          metrics.streamChunks.inc({ endpoint: endpointName }, result.streamStats.chunks);
          if (result.streamStats.firstTokenMs !== undefined)
            metrics.timeToFirstToken.observe({ endpoint: endpointName }, result.streamStats.firstTokenMs / 1_000);
          metrics.semstreams?.streamed(
            endpoint.model,
            result.streamStats.chunks,
            result.streamStats.firstTokenMs === undefined ? undefined : result.streamStats.firstTokenMs / 1_000,
          );
        }
        return result;
      } catch (error) {
        if (!(error instanceof ModelbusError)) throw error;
        if (tokens > 0) void throttle.adjustTokens(tokenCorrection(error, tokens));
        if (error.status === 429) {
          metrics.rateLimitHits.inc({ endpoint: endpointName });
          metrics.semstreams?.rateLimited(endpoint.model);
          if (call.group !== undefined) dependencies.router.coolDown(endpointName, error.retryAfterMs ?? dependencies.retryPolicy.rateLimitDelayMs);
        }
        const failure = coolDownOnLongPause(dependencies, endpointName, attemptTimedOut(error, signal, endpointName, capMs));
        if (span) endSpan(span, failure);
        throw failure;
      } finally {
        timing.providerMs += now() - startedAt;
      }
    };
    return await runWithRetry(
      (number) => {
        queuedAt = now();
        attemptNumber = number;
        const throttle = throttles.for(endpointName);
        if (trace === undefined) return throttle.schedule(() => attempt(throttle), { signal, tokens });
        const span = trace.child("modelbus.throttle.wait", SpanKind.INTERNAL, { "modelbus.endpoint": endpointName, "modelbus.attempt": number });
        waitSpan = span;
        const scheduled = throttle.schedule(() => attempt(throttle), { signal, tokens });
        // Refused by the throttle (queue full, shutdown) before the attempt began.
        return scheduled.catch((error: unknown) => {
          if (span.isRecording()) endSpan(span, error);
          throw error;
        });
      },
      {
        policy: call.moveOnRateLimit ? { ...dependencies.retryPolicy, maxRateLimitRetries: 0 } : dependencies.retryPolicy,
        sleep,
        now,
        deadlineMs,
        signal,
        onRetry: (event) => {
          metrics.retries.inc({ endpoint: endpointName, reason: event.reason });
          if (event.reason === "rate_limit") metrics.semstreams?.rateLimitRetry(endpoint.model);
          logger.info({ endpoint: endpointName, ...event }, "retrying provider call");
          trace?.event("modelbus.retry", {
            "modelbus.endpoint": endpointName,
            "modelbus.attempt": event.attemptNumber,
            "modelbus.retry.reason": event.reason,
            "modelbus.retry.delay_ms": event.delayMs,
            "error.type": event.code,
          });
        },
      },
    );
  } finally {
    metrics.inFlight.dec({ endpoint: endpointName });
  }
}

/** The attempt's span, in OpenTelemetry's GenAI terms (the request as sent to this endpoint). */
function attemptAttributes(endpointName: string, endpoint: EndpointConfig, request: AgentRequest, attemptNumber: number): Attributes {
  return {
    "gen_ai.operation.name": "chat",
    "gen_ai.provider.name": endpoint.provider,
    "gen_ai.request.model": endpoint.model,
    ...(request.max_tokens ? { "gen_ai.request.max_tokens": request.max_tokens } : {}),
    ...(request.temperature !== undefined ? { "gen_ai.request.temperature": request.temperature } : {}),
    "modelbus.endpoint": endpointName,
    "modelbus.attempt": attemptNumber,
  };
}

function recordResult(span: Span, result: ProviderResult): void {
  span.setAttributes(genAiAnswerAttributes(result.providerModel, result.finishReason, result.usage));
  endSpan(span);
}
