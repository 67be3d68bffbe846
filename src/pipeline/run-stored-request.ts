import type { AgentRequest } from "../core/agent-request.ts";
import type { StreamDelta } from "../core/chat-provider.ts";
import type { CompleteInput, DeliveryIdentity, InferenceStore, StoredAnswer } from "../core/inference-store.ts";
import { ModelbusError } from "../core/modelbus-error.ts";
import type { Logger } from "../observability/logger.ts";
import { endSpan, type RequestTrace, type Tracing } from "../observability/tracing.ts";
import { applyGovernance } from "./apply-governance.ts";
import { endpointPrices, runEndpointChain, type PipelineDependencies, type RequestOutcome, type RequestTiming } from "./run-endpoint-chain.ts";
import { leaseTimeoutMs } from "./request-deadline.ts";

export type { RequestOutcome } from "./run-endpoint-chain.ts";

export interface StoredRequestDependencies {
  readonly pipeline: PipelineDependencies;
  readonly store: InferenceStore | undefined;
  /** Added to the request's longest possible timeout (leaseTimeoutMs) to form its claim's lease. */
  readonly leaseMarginMs: number;
  readonly retryDelayMs: number;
  /** undefined: tracing is off (OTEL_* names no exporter). */
  readonly tracing?: Tracing | undefined;
}

export interface StoredRequestOptions {
  readonly signal: AbortSignal;
  readonly logger: Logger;
  readonly wireForm: string;
  /** The last delivery JetStream will make: an answer must go out even if it cannot be stored. */
  readonly finalAttempt: boolean;
  /** The NATS door's delivery, so its claim can be recognised when the message comes back. */
  readonly delivery?: DeliveryIdentity | undefined;
  /** The door made the request_id for this request (no client id): the store writes no claim for it. */
  readonly freshRequestId?: boolean | undefined;
  /** Streamed text as it arrives (SSE to an HTTP client, chunks on NATS). */
  readonly onDelta?: ((delta: StreamDelta) => void) | undefined;
  /** Filled in with provider and wait time, for the door's overhead metric. */
  readonly timing?: RequestTiming | undefined;
  /** The request's trace, when tracing is on (a span for each store step). */
  readonly trace?: RequestTrace | undefined;
}

/**
 * The persistence layer, the request's whole life for any door: claim it in the store (or
 * find its stored answer), apply its agent's and session's settings, run the endpoint chain
 * (runEndpointChain), and store the outcome in one transaction before the door publishes it.
 * Without a store, the chain's answer goes straight out.
 */
export async function runStoredRequest(dependencies: StoredRequestDependencies, request: AgentRequest, options: StoredRequestOptions): Promise<RequestOutcome> {
  const { store, pipeline } = dependencies;
  const { logger } = options;
  if (!store) {
    return runEndpointChain(pipeline, request, options);
  }

  const leaseMs = leaseTimeoutMs(request, pipeline.registry, pipeline.serviceTimeoutMs) + dependencies.leaseMarginMs;
  // Taken before the claim is written, so the lease really ends no earlier than this.
  const leaseEndsAt = pipeline.now() + leaseMs;
  let begun;
  const beginSpan = options.trace?.child("modelbus.store.begin");
  try {
    begun = await store.begin(request, { leaseMs, delivery: options.delivery, freshId: options.freshRequestId });
    beginSpan?.setAttribute("modelbus.store.outcome", begun.kind);
    beginSpan?.end();
  } catch (error) {
    if (beginSpan) endSpan(beginSpan, error);
    return storeTrouble(dependencies, error, "store_unavailable");
  }
  if (begun.kind === "completed") return { type: "answer", response: begun.response, source: "store", persisted: true };
  if (begun.kind === "busy") return { type: "retry_later", delayMs: begun.retryAfterMs, reason: "in_flight_elsewhere" };

  const governed = applyGovernance(request, begun.agent, begun.session);
  const budgets = pipeline.budgets?.budgetsFor(governed.request, begun.agent);
  const outcome = await runEndpointChain(pipeline, governed.request, { ...options, fallbackModels: governed.fallbackModels, budgets });
  if (outcome.type === "abandoned") {
    await store.release(begun.ticket).catch((error: unknown) => logger.warn({ err: error }, "could not release claim"));
    return outcome;
  }
  const response = outcome.response;
  const input = { ticket: begun.ticket, response, wireForm: options.wireForm, costPerMillion: endpointPrices(pipeline, response.endpoint) };
  // On a last attempt nothing would call the model again: answer at once instead of waiting.
  const retryUntil = options.finalAttempt ? 0 : leaseEndsAt;
  const stored = await storeOutcome(dependencies, input, { retryUntil, signal: options.signal, logger, trace: options.trace });
  if ("error" in stored) {
    const error = stored.error;
    if (options.finalAttempt) {
      logger.error({ err: error }, "last delivery: answering although the outcome could not be stored");
      pipeline.metrics.errors.inc({ code: "E_STORE_UNAVAILABLE" });
      return { type: "answer", response, source: "model", persisted: false };
    }
    return storeTrouble(dependencies, error, "store_write_failed");
  }
  if (stored.answeredBefore) {
    logger.warn("answered by another process first; publishing its stored answer instead of this one");
    return { type: "answer", response: stored.response, source: "store", persisted: true };
  }
  return { type: "answer", response, source: "model", persisted: true };
}

/**
 * Writes the outcome. While the claim's lease holds (`retryUntil`), no other process may
 * take the request over, so a failed write is tried again every `retryDelayMs` instead of
 * handing the delivery back: that would throw the model's answer away and, once the lease
 * ran out, call the model a second time. Resolves with the stored answer, or with the last
 * failure when the lease is (nearly) over or the work is cancelled; the caller then hands
 * the delivery back.
 */
async function storeOutcome(
  dependencies: StoredRequestDependencies,
  input: CompleteInput,
  options: { readonly retryUntil: number; readonly signal: AbortSignal; readonly logger: Logger; readonly trace: RequestTrace | undefined },
): Promise<StoredAnswer | { readonly error: unknown }> {
  const { pipeline, retryDelayMs } = dependencies;
  const store = dependencies.store as InferenceStore;
  for (let attempt = 1; ; attempt += 1) {
    const span = options.trace?.child("modelbus.store.complete", undefined, { "modelbus.attempt": attempt });
    try {
      const stored = await store.complete(input);
      span?.end();
      if (attempt > 1) options.logger.info({ attempt }, "outcome stored after the store came back");
      return stored;
    } catch (error) {
      if (span) endSpan(span, error);
      if (options.signal.aborted || pipeline.now() + retryDelayMs >= options.retryUntil) return { error };
      pipeline.metrics.errors.inc({ code: "E_STORE_UNAVAILABLE" });
      options.logger.warn({ err: error, attempt }, "outcome could not be stored; trying again while the claim is ours");
      try {
        await pipeline.sleep(retryDelayMs, options.signal);
      } catch {
        return { error };
      }
    }
  }
}

function storeTrouble(dependencies: StoredRequestDependencies, error: unknown, reason: string): RequestOutcome {
  const failure = error instanceof ModelbusError ? error : new ModelbusError({ code: "E_STORE_UNAVAILABLE", message: String(error), cause: error });
  dependencies.pipeline.metrics.errors.inc({ code: failure.code });
  return { type: "retry_later", delayMs: dependencies.retryDelayMs, reason, error: failure };
}
