import type { AgentRequest } from "../core/agent-request.ts";
import { errorResponse, usageCost, zeroUsage, type AgentResponse, type PricesPerMillion } from "../core/agent-response.ts";
import type { ProviderResult, StreamDelta } from "../core/chat-provider.ts";
import type { ErrorCode } from "../core/error-codes.ts";
import { ModelbusError } from "../core/modelbus-error.ts";
import type { Logger } from "../observability/logger.ts";
import type { RequestTrace } from "../observability/tracing.ts";
import type { BudgetReservation, ScopedBudget } from "../budget/budget-guard.ts";
import type { TokenUsage } from "../core/agent-response.ts";
import { runEndpointAttempts } from "./run-endpoint-attempts.ts";
import { estimateTokens } from "./estimate-tokens.ts";
import { endpointChain, type ChainLink } from "./endpoint-chain.ts";
import { requestTimeout, withDeadline } from "./request-deadline.ts";
import type { EndpointChainOutcome, PipelineDependencies, RequestTiming } from "./pipeline-dependencies.ts";

export type { EndpointChainOutcome, PipelineDependencies, RequestOutcome, RequestTiming } from "./pipeline-dependencies.ts";

/**
 * Failures that say something about the endpoint, not the request: worth the next endpoint
 * while the request's deadline leaves time (a timeout once it has passed ends the walk).
 */
const fallbackCodes = new Set<ErrorCode>([
  "E_PROVIDER_UNAVAILABLE",
  "E_PROVIDER_TIMEOUT",
  "E_PROVIDER_NETWORK",
  "E_PROVIDER_RATE_LIMITED",
  "E_PROVIDER_AUTH",
  "E_PROVIDER_RESPONSE_INVALID",
  "E_THROTTLE_QUEUE_FULL",
  "E_THROTTLE_UNAVAILABLE",
]);

/** Outcomes the circuit breaker counts against an endpoint (a rejected request is not its fault). */
const breakerFailures = new Set<ErrorCode>([
  "E_PROVIDER_UNAVAILABLE",
  "E_PROVIDER_NETWORK",
  "E_PROVIDER_RATE_LIMITED",
  "E_PROVIDER_AUTH",
  "E_PROVIDER_RESPONSE_INVALID",
  "E_PROVIDER_TIMEOUT",
  "E_PROVIDER_STREAM_INTERRUPTED",
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

export interface EndpointChainOptions {
  readonly signal: AbortSignal;
  readonly logger?: Logger;
  /** Models to try after the request's own model fails (an agent's fallback models). */
  readonly fallbackModels?: readonly string[];
  /** Receives streamed text as it arrives; streaming is used when set and the request or endpoint asks for it. */
  readonly onDelta?: ((delta: StreamDelta) => void) | undefined;
  /** Filled in with provider and wait time, for the door's overhead metric. */
  readonly timing?: RequestTiming | undefined;
  /** The budgets this request is charged to (with its agent's from the catalog); else those config gives its fields. */
  readonly budgets?: readonly ScopedBudget[] | undefined;
  /** The request's trace, when tracing is on. */
  readonly trace?: RequestTrace | undefined;
}

/**
 * The endpoint-chain layer, whichever door the request came through: charge the budgets, walk
 * the endpoint chain under the request's one deadline (request-deadline.ts), skipping endpoints
 * the breaker holds open; for each, run its attempts (runEndpointAttempts: throttle, then the
 * provider under the retry policy), and stop at the first answer. Provider failures become `error` responses; shutdown and bugs hand the request back.
 */
export async function runEndpointChain(
  dependencies: PipelineDependencies,
  request: AgentRequest,
  options: EndpointChainOptions,
): Promise<EndpointChainOutcome> {
  const { metrics, now } = dependencies;
  const startedAt = now();
  const logger = options.logger ?? dependencies.logger;
  const timing = options.timing ?? { providerMs: 0, waitMs: 0 };
  const chain = await endpointChain(dependencies.registry, dependencies.router, request.model, options.fallbackModels ?? []);
  const first = chain[0];
  if (first === undefined) return finish(dependencies, startedAt, "none", errorResponse(request.request_id, unknownModel(request)), undefined);
  const semstreamsModel = metrics.semstreams ? semstreamsModelLabel(dependencies, request, first.endpointName) : undefined;
  if (semstreamsModel !== undefined) metrics.semstreams?.started(semstreamsModel);

  const charged = await chargeBudgets(dependencies, request, first.endpointName, options.budgets);
  if ("error" in charged) {
    if (charged.error.code === "E_THROTTLE_UNAVAILABLE") {
      metrics.errors.inc({ code: charged.error.code });
      if (semstreamsModel !== undefined) metrics.semstreams?.abandoned(semstreamsModel);
      return { type: "abandoned", error: charged.error };
    }
    return finish(dependencies, startedAt, "none", errorResponse(request.request_id, charged.error), semstreamsModel);
  }
  const timeout = requestTimeout(request, first, dependencies.registry, dependencies.serviceTimeoutMs);
  if (timeout.ignoredRequestTimeout) logger.warn({ timeout: timeout.ignoredRequestTimeout }, "unparseable request timeout ignored");
  const walked = await withDeadline(options.signal, timeout, now, (signal, deadlineMs) =>
    walkChain(dependencies, request, chain, { signal, deadlineMs, logger, onDelta: options.onDelta, timing, trace: options.trace }),
  );
  if (walked.kind === "answered") {
    settleBudgets(dependencies, charged.reservation, walked.endpoint, walked.result.usage, logger);
    return finish(dependencies, startedAt, walked.endpoint, successResponse(request, walked.endpoint, walked.result, walked.retryCount), semstreamsModel);
  }
  settleBudgets(dependencies, charged.reservation, walked.endpoint, walked.error?.partial?.usage, logger);
  const error =
    walked.error ??
    allOpen(
      dependencies,
      request,
      chain.map((link) => link.endpointName),
    );
  // Shutdown and bugs are not answers, nor are limits that cannot be checked (an outage of
  // ours): hand the request back.
  if (abandonCodes.has(error.code) || error.code === "E_THROTTLE_UNAVAILABLE") {
    metrics.errors.inc({ code: error.code });
    if (semstreamsModel !== undefined) metrics.semstreams?.abandoned(semstreamsModel);
    return { type: "abandoned", error };
  }
  const response = errorResponse(request.request_id, error, {
    retry_count: walked.retryCount,
    endpoint: walked.endpoint,
    ...(error.partial ? { token_usage: error.partial.usage } : {}),
  });
  // A stream cut mid-way still tells the orchestrator what had arrived.
  if (error.partial && (error.partial.message.content || error.partial.message.reasoning_content)) response.message = error.partial.message;
  return finish(dependencies, startedAt, walked.endpoint, response, semstreamsModel);
}

/**
 * Charges the request's budgets its estimate (tokens as the throttle estimates them, cost at the
 * first endpoint's higher price), or says which one it would pass. A ledger that cannot be
 * reached (Redis) hands the request back, as an unreachable shared throttle does.
 */
async function chargeBudgets(
  dependencies: PipelineDependencies,
  request: AgentRequest,
  endpointName: string,
  given: readonly ScopedBudget[] | undefined,
): Promise<{ readonly reservation: BudgetReservation | undefined } | { readonly error: ModelbusError }> {
  const guard = dependencies.budgets;
  if (guard === undefined) return { reservation: undefined };
  const budgets = given ?? guard.budgetsFor(request);
  if (budgets.length === 0) return { reservation: undefined };
  const endpoint = dependencies.registry.endpoint(endpointName);
  if (endpoint === undefined) return { reservation: undefined };
  const tokens = estimateTokens(request, endpoint);
  const price = Math.max(endpoint.input_price_per_1m_tokens, endpoint.output_price_per_1m_tokens);
  try {
    return { reservation: await guard.reserve(budgets, { tokens, cost: (tokens * price) / 1_000_000 }) };
  } catch (error) {
    // An E_BUDGET_EXCEEDED becomes an error response, counted where responses are.
    if (error instanceof ModelbusError) return { error };
    return { error: new ModelbusError({ code: "E_THROTTLE_UNAVAILABLE", message: `budget ledger unreachable: ${(error as Error).message}`, cause: error }) };
  }
}

/** An endpoint's prices per million tokens (0 for one the registry does not know, or none). */
export function endpointPrices(dependencies: PipelineDependencies, endpointName: string | undefined): PricesPerMillion {
  const endpoint = endpointName === undefined ? undefined : dependencies.registry.endpoint(endpointName);
  return { input: endpoint?.input_price_per_1m_tokens ?? 0, output: endpoint?.output_price_per_1m_tokens ?? 0 };
}

/** Corrects the charge with what the call used (nothing when it was refused outright); never fails the request. */
function settleBudgets(
  dependencies: PipelineDependencies,
  reservation: BudgetReservation | undefined,
  endpointName: string,
  usage: TokenUsage | undefined,
  logger: Logger,
): void {
  if (reservation === undefined) return;
  const used = usage ?? zeroUsage();
  const cost = usageCost(used, endpointPrices(dependencies, endpointName));
  reservation
    .settle({ tokens: used.prompt_tokens + used.completion_tokens, cost })
    .catch((error: unknown) => logger.warn({ err: error }, "could not correct a budget charge; it keeps its estimate"));
}

type WalkedChain =
  | { readonly kind: "answered"; readonly endpoint: string; readonly result: ProviderResult; readonly retryCount: number }
  /** `error` is undefined when every endpoint was skipped, open in the breaker. */
  | { readonly kind: "failed"; readonly endpoint: string; readonly error: ModelbusError | undefined; readonly retryCount: number };

interface ChainWalk {
  readonly signal: AbortSignal;
  readonly deadlineMs: number;
  readonly logger: Logger;
  readonly onDelta: ((delta: StreamDelta) => void) | undefined;
  readonly timing: RequestTiming;
  readonly trace: RequestTrace | undefined;
}

/**
 * The endpoints in order until one answers. A failure moves on to the next endpoint when it
 * says something about the endpoint (fallbackCodes) and time is left.
 */
async function walkChain(dependencies: PipelineDependencies, request: AgentRequest, chain: readonly ChainLink[], walk: ChainWalk): Promise<WalkedChain> {
  const { metrics, breakers } = dependencies;
  const { logger } = walk;
  let retryCount = 0;
  let lastError: ModelbusError | undefined;
  let lastEndpoint = "none";
  let previous: string | undefined;
  for (const [index, { endpointName, group }] of chain.entries()) {
    const breaker = breakers.for(endpointName);
    // A deployment resting after a 429 waits while another link can still be tried.
    const later = chain.slice(index + 1);
    if (group !== undefined && !dependencies.router.available(endpointName) && later.some((link) => dependencies.router.available(link.endpointName))) {
      logger.debug({ endpoint: endpointName, group }, "deployment cooling down after a 429; skipped");
      previous = endpointName;
      continue;
    }
    if (breakers.enabled && !breaker.tryAcquire()) {
      logger.debug({ endpoint: endpointName }, "endpoint open in the circuit breaker; skipped");
      previous = endpointName;
      continue;
    }
    if (previous !== undefined) {
      metrics.fallbacks.inc({ from: previous, to: endpointName });
      logger.warn({ from: previous, to: endpointName, code: lastError?.code }, "falling back to the next endpoint");
      walk.trace?.event("modelbus.fallback", {
        "modelbus.fallback.from": previous,
        "modelbus.fallback.to": endpointName,
        ...(lastError ? { "error.type": lastError.code } : {}),
      });
    }
    previous = endpointName;
    lastEndpoint = endpointName;
    // In a group, a 429 moves straight on to the next deployment that can take the request.
    const moveOnRateLimit = group !== undefined && later.some((link) => link.group === group && dependencies.router.available(link.endpointName));
    const outcome = await runEndpointAttempts(dependencies, { request, endpointName, group, moveOnRateLimit, ...walk });
    retryCount += outcome.retryCount;
    if (outcome.ok) {
      breaker.record(true);
      return { kind: "answered", endpoint: endpointName, result: outcome.value, retryCount };
    }
    lastError = outcome.error;
    if (breakerFailures.has(lastError.code)) breaker.record(false);
    else breaker.releaseProbe();
    if (abandonCodes.has(lastError.code) || walk.signal.aborted) break;
    if (!fallbackCodes.has(lastError.code)) break;
  }
  return { kind: "failed", endpoint: lastEndpoint, error: lastError, retryCount };
}

/** semstreams labels by the request's model; a name the registry does not know by the endpoint it reached. */
function semstreamsModelLabel(dependencies: PipelineDependencies, request: AgentRequest, firstEndpoint: string): string {
  const route = dependencies.registry.resolve(request.model);
  return route !== undefined && route.source !== "default" ? request.model : firstEndpoint;
}

function allOpen(dependencies: PipelineDependencies, request: AgentRequest, endpoints: string[]): ModelbusError {
  const wait = Math.min(...endpoints.map((name) => dependencies.breakers.for(name).retryInMs()));
  return new ModelbusError({
    code: "E_CIRCUIT_OPEN",
    message: `every endpoint for model "${request.model}" is open in the circuit breaker (${endpoints.join(", ")}); next probe in ${Math.ceil(wait / 1_000)}s`,
  });
}

/** Records the answer; `semstreamsModel` is set (with metrics.semstreams) once the request reached an endpoint chain. */
function finish(
  dependencies: PipelineDependencies,
  startedAt: number,
  endpoint: string,
  response: AgentResponse,
  semstreamsModel: string | undefined,
): EndpointChainOutcome {
  const { metrics } = dependencies;
  const elapsedMs = dependencies.now() - startedAt;
  if (semstreamsModel !== undefined) metrics.semstreams?.finished(semstreamsModel, response, elapsedMs / 1_000);
  response.latency_ms = Math.round(elapsedMs);
  metrics.requests.inc({ endpoint, status: response.status });
  metrics.requestDuration.observe({ endpoint }, elapsedMs / 1_000);
  metrics.endpointWindow.record(endpoint, elapsedMs, response.status === "error");
  if (response.token_usage.prompt_tokens) metrics.tokens.inc({ endpoint, type: "prompt" }, response.token_usage.prompt_tokens);
  if (response.token_usage.completion_tokens) metrics.tokens.inc({ endpoint, type: "completion" }, response.token_usage.completion_tokens);
  if (response.error_code) metrics.errors.inc({ code: response.error_code });
  return { type: "answer", response, source: "model", persisted: false };
}
