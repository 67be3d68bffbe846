import type { AgentRequest } from "../core/agent-request.ts";
import { errorResponse, type AgentResponse } from "../core/agent-response.ts";
import type { ChatProvider, ProviderResult, StreamDelta } from "../core/chat-provider.ts";
import type { ErrorCode } from "../core/error-codes.ts";
import { ModelbusError } from "../core/modelbus-error.ts";
import type { Logger } from "../observability/logger.ts";
import type { Metrics } from "../observability/metrics.ts";
import type { ModelRegistry, Route } from "../registry/model-registry.ts";
import type { RetryPolicy } from "../retry/retry-policy.ts";
import { runWithRetry, type RetryOutcome } from "../retry/run-with-retry.ts";
import type { ThrottleRegistry } from "../throttle/throttle-registry.ts";
import { resolveTimeout } from "./resolve-timeout.ts";
import { withDeadline } from "./with-deadline.ts";

export interface PipelineDependencies {
  readonly registry: ModelRegistry;
  readonly provider: ChatProvider;
  readonly throttles: ThrottleRegistry;
  readonly retryPolicy: RetryPolicy;
  readonly serviceTimeoutMs: number;
  readonly firstTokenTimeoutMs: number;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly now: () => number;
}

/** The pipeline's answer: a response to publish, or work to hand back (shutdown, bug). */
export type PipelineOutcome =
  | { readonly type: "answered"; readonly response: AgentResponse }
  | { readonly type: "abandoned"; readonly error: ModelbusError };

/** Failures that say something about the endpoint, not the request: worth the next endpoint. */
const fallbackCodes = new Set<ErrorCode>([
  "E_PROVIDER_UNAVAILABLE",
  "E_PROVIDER_NETWORK",
  "E_PROVIDER_RATE_LIMITED",
  "E_PROVIDER_AUTH",
  "E_PROVIDER_RESPONSE_INVALID",
  "E_THROTTLE_QUEUE_FULL",
]);

/** Codes that mean "not answered, try the delivery again later" rather than an error reply. */
const abandonCodes = new Set<ErrorCode>(["E_CANCELLED", "E_INTERNAL"]);

function unknownModel(request: AgentRequest): ModelbusError {
  return new ModelbusError({ code: "E_MODEL_UNKNOWN", message: `no endpoint found for model "${request.model}" in registry` });
}

function successResponse(request: AgentRequest, endpoint: string, result: ProviderResult, retryCount: number): AgentResponse {
  const response: AgentResponse = {
    request_id: request.request_id,
    status: result.status,
    finish_reason: result.finishReason,
    message: result.message,
    token_usage: result.usage,
  };
  if (retryCount > 0) response.retry_count = retryCount;
  response.endpoint = endpoint;
  response.provider_model = result.providerModel;
  return response;
}

/**
 * One use case, whichever door the request came through: resolve the route, then for
 * each endpoint of the chain wait for the throttle, call the provider under the retry
 * policy, and stop at the first answer. Provider failures become `error` responses.
 */
/** One endpoint to try, with the route that led to it (its capability sets the timeout). */
interface ChainLink {
  readonly endpointName: string;
  readonly route: Route;
}

/** The request's route, then each fallback model's route, without repeating an endpoint. */
function endpointChain(registry: ModelRegistry, model: string, fallbackModels: readonly string[]): ChainLink[] {
  const links: ChainLink[] = [];
  const seen = new Set<string>();
  for (const name of [model, ...fallbackModels]) {
    const route = registry.resolve(name);
    for (const endpointName of route?.endpoints ?? []) {
      if (seen.has(endpointName) || !route) continue;
      seen.add(endpointName);
      links.push({ endpointName, route });
    }
  }
  return links;
}

export interface HandleOptions {
  readonly signal: AbortSignal;
  readonly logger?: Logger;
  /** Models to try after the request's own model fails (an agent's fallback models). */
  readonly fallbackModels?: readonly string[];
  /** Receives streamed text as it arrives; streaming is used when set and the request or endpoint asks for it. */
  readonly onDelta?: ((delta: StreamDelta) => void) | undefined;
}

/**
 * One use case, whichever door the request came through: resolve the route, then for
 * each endpoint of the chain wait for the throttle, call the provider under the retry
 * policy, and stop at the first answer. Provider failures become `error` responses.
 */
export async function handleAgentRequest(
  dependencies: PipelineDependencies,
  request: AgentRequest,
  options: HandleOptions,
): Promise<PipelineOutcome> {
  const { registry, metrics, now } = dependencies;
  const startedAt = now();
  const logger = options.logger ?? dependencies.logger;
  const chain = endpointChain(registry, request.model, options.fallbackModels ?? []);
  if (chain.length === 0) return finish(dependencies, startedAt, "none", errorResponse(request.request_id, unknownModel(request)));

  let retryCount = 0;
  let lastError: ModelbusError = unknownModel(request);
  let lastEndpoint = "none";
  for (const [index, { endpointName, route }] of chain.entries()) {
    lastEndpoint = endpointName;
    const outcome = await callEndpoint(dependencies, { request, route, endpointName, signal: options.signal, logger, onDelta: options.onDelta });
    retryCount += outcome.retryCount;
    if (outcome.ok) {
      return finish(dependencies, startedAt, endpointName, successResponse(request, endpointName, outcome.value, retryCount));
    }
    lastError = outcome.error;
    if (abandonCodes.has(lastError.code)) {
      metrics.errors.inc({ code: lastError.code });
      return { type: "abandoned", error: lastError };
    }
    if (!fallbackCodes.has(lastError.code) || index === chain.length - 1) break;
    logger.warn({ endpoint: endpointName, code: lastError.code, err: lastError.message }, "endpoint failed; trying the next in the chain");
  }
  const response = errorResponse(request.request_id, lastError, {
    retry_count: retryCount,
    endpoint: lastEndpoint,
    ...(lastError.partial ? { token_usage: lastError.partial.usage } : {}),
  });
  // A stream cut mid-way still tells the orchestrator what had arrived.
  if (lastError.partial && (lastError.partial.message.content || lastError.partial.message.reasoning_content)) {
    response.message = lastError.partial.message;
  }
  return finish(dependencies, startedAt, lastEndpoint, response);
}

interface EndpointCall {
  readonly request: AgentRequest;
  readonly route: Route;
  readonly endpointName: string;
  readonly signal: AbortSignal;
  readonly logger: Logger;
  readonly onDelta: ((delta: StreamDelta) => void) | undefined;
}

async function callEndpoint(dependencies: PipelineDependencies, call: EndpointCall): Promise<RetryOutcome<ProviderResult>> {
  const { registry, throttles, metrics, now } = dependencies;
  const { request, endpointName, logger } = call;
  const endpoint = registry.endpoint(endpointName);
  if (!endpoint) {
    const error = new ModelbusError({ code: "E_INTERNAL", message: `route names unknown endpoint "${endpointName}"` });
    return { ok: false, error, retryCount: 0, retries: [] };
  }
  if ((request.tools?.length ?? 0) > 0 && !endpoint.supports_tools) {
    logger.warn({ endpoint: endpointName, tool_count: request.tools?.length }, "endpoint does not support tools; tools stripped");
  }
  const timeout = resolveTimeout({
    requestTimeout: request.timeout,
    endpointTimeoutMs: endpoint.request_timeout,
    capabilityTimeoutMs: call.route.capability?.timeout,
    serviceTimeoutMs: dependencies.serviceTimeoutMs,
  });
  if (timeout.ignoredRequestTimeout) logger.warn({ timeout: timeout.ignoredRequestTimeout }, "unparseable request timeout ignored");

  // Stream when someone listens for deltas and the request or the endpoint asks for it.
  const stream = call.onDelta !== undefined && (request.stream === true || endpoint.stream);
  const streaming = stream
    ? { stream, onDelta: call.onDelta, firstTokenTimeoutMs: endpoint.first_token_timeout || dependencies.firstTokenTimeoutMs }
    : {};
  const throttle = throttles.for(endpointName);
  const warn = (message: string, details?: Record<string, unknown>) => logger.warn({ endpoint: endpointName, ...details }, message);
  metrics.inFlight.inc({ endpoint: endpointName });
  try {
    return await withDeadline(call.signal, timeout, now, async (signal, deadlineMs) => {
      const attempt = async () => {
        try {
          const result = await dependencies.provider.complete(endpointName, request, { signal, timeoutMs: deadlineMs - now(), warn, ...streaming });
          if (result.streamStats) {
            metrics.streamChunks.inc({ endpoint: endpointName }, result.streamStats.chunks);
            if (result.streamStats.firstTokenMs !== undefined) metrics.timeToFirstToken.observe({ endpoint: endpointName }, result.streamStats.firstTokenMs / 1_000);
          }
          return result;
        } catch (error) {
          if (error instanceof ModelbusError && error.status === 429) metrics.rateLimitHits.inc({ endpoint: endpointName });
          throw error;
        }
      };
      return runWithRetry(
        () => throttle.schedule(attempt, { signal }),
        {
          policy: dependencies.retryPolicy,
          sleep: dependencies.sleep,
          now,
          deadlineMs,
          signal,
          onRetry: (event) => {
            metrics.retries.inc({ endpoint: endpointName, reason: event.reason });
            logger.info({ endpoint: endpointName, ...event }, "retrying provider call");
          },
        },
      );
    });
  } finally {
    metrics.inFlight.dec({ endpoint: endpointName });
  }
}

function finish(
  dependencies: PipelineDependencies,
  startedAt: number,
  endpoint: string,
  response: AgentResponse,
): PipelineOutcome {
  const { metrics } = dependencies;
  const elapsedMs = dependencies.now() - startedAt;
  response.latency_ms = Math.round(elapsedMs);
  metrics.requests.inc({ endpoint, status: response.status });
  metrics.requestDuration.observe({ endpoint }, elapsedMs / 1_000);
  if (response.token_usage.prompt_tokens) metrics.tokens.inc({ endpoint, type: "prompt" }, response.token_usage.prompt_tokens);
  if (response.token_usage.completion_tokens) {
    metrics.tokens.inc({ endpoint, type: "completion" }, response.token_usage.completion_tokens);
  }
  if (response.error_code) metrics.errors.inc({ code: response.error_code });
  return { type: "answered", response };
}
