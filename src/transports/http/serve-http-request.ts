/**
 * The HTTP transport around one request: what runs the stored request for an HTTP client
 * (cancelled when the client goes away or shutdown's deadline passes) and turns its outcome
 * into an answer or an HttpError.
 */
import type { FastifyReply } from "fastify";
import type { AgentRequest } from "../../core/agent-request.ts";
import type { AgentResponse } from "../../core/agent-response.ts";
import type { StreamDelta } from "../../core/chat-provider.ts";
import { ModelbusError } from "../../core/modelbus-error.ts";
import { onAbort } from "../../core/on-abort.ts";
import type { Logger } from "../../observability/logger.ts";
import { runStoredRequest, type RequestOutcome, type StoredRequestDependencies } from "../../pipeline/run-stored-request.ts";
import { recordResponse } from "../../observability/tracing.ts";
import { HttpError } from "./http-errors.ts";
import { traceOf } from "./http-tracing.ts";

export interface HttpAnswer {
  readonly response: AgentResponse;
  /** Answered from the store: a request_id (Idempotency-Key) seen before, no model call. */
  readonly replayed: boolean;
}

/**
 * A pipeline outcome for an HTTP client: a successful answer, or an HttpError whose code
 * sets the status. `error` responses keep their code; `retry_later` (store down, the same
 * request in flight elsewhere) is a 503 with Retry-After; `abandoned` is shutdown or a bug.
 */
export function answerFromOutcome(outcome: RequestOutcome): HttpAnswer {
  switch (outcome.type) {
    case "answer": {
      const { response } = outcome;
      if (response.status !== "error") return { response, replayed: outcome.source === "store" };
      throw new HttpError({
        code: response.error_code ?? "E_INTERNAL",
        message: response.error ?? "the request failed",
        details: { request_id: response.request_id, ...(response.endpoint ? { endpoint: response.endpoint } : {}), retry_count: response.retry_count ?? 0 },
      });
    }
    case "retry_later":
      throw new HttpError({
        code: outcome.error?.code ?? (outcome.reason === "in_flight_elsewhere" ? "E_REQUEST_IN_FLIGHT" : "E_STORE_UNAVAILABLE"),
        message: outcome.error?.message ?? `not answered now (${outcome.reason}); retry later`,
        details: { reason: outcome.reason },
        retryAfterSeconds: Math.max(1, Math.ceil(outcome.delayMs / 1_000)),
      });
    case "abandoned":
      throw new HttpError({ code: outcome.error.code, message: outcome.error.message, cause: outcome.error });
  }
}

export interface PipelineCall {
  readonly processing: StoredRequestDependencies;
  readonly request: AgentRequest;
  readonly reply: FastifyReply;
  readonly logger: Logger;
  /** True: answer even when the outcome cannot be stored (an HTTP client gets no redelivery). */
  readonly finalAttempt: boolean;
  /** Aborts at the shutdown deadline (HttpDrain). */
  readonly shutdown: AbortSignal;
  readonly onDelta?: ((delta: StreamDelta) => void) | undefined;
  /** The request_id was made here (the client sent none): see StoredRequestOptions.freshRequestId. */
  readonly freshRequestId?: boolean | undefined;
}

/**
 * The HTTP transport layer, the doors' way into the one use case: runStoredRequest with wire form "http" and a
 * signal that aborts when the client disconnects or the service's shutdown deadline passes
 * (the throttle slot and the provider call are given up, the claim released), its outcome
 * mapped for HTTP, and modelbus's own time observed as `modelbus_overhead_seconds{door="http"}`.
 */
export async function serveHttpRequest(call: PipelineCall): Promise<HttpAnswer> {
  const { reply } = call;
  const trace = traceOf(reply.request);
  trace?.span.setAttributes({ "gen_ai.operation.name": "chat", "gen_ai.request.model": call.request.model, "modelbus.request_id": call.request.request_id });
  const controller = new AbortController();
  const onClose = () => {
    if (reply.raw.writableFinished) return;
    call.logger.info("client disconnected; request cancelled");
    controller.abort(new ModelbusError({ code: "E_CANCELLED", message: "the HTTP client disconnected" }));
  };
  const onShutdown = () => controller.abort(new ModelbusError({ code: "E_CANCELLED", message: "the service is shutting down" }));
  const startedAt = performance.now();
  const timing = { providerMs: 0, waitMs: 0 };
  reply.raw.once("close", onClose);
  const forgetShutdown = onAbort(call.shutdown, onShutdown);
  // Gone while the turn waited (session lock): "close" has fired already.
  if (reply.raw.destroyed || reply.raw.socket?.destroyed === true) onClose();
  try {
    const outcome = await runStoredRequest(call.processing, call.request, {
      signal: controller.signal,
      logger: call.logger,
      wireForm: "http",
      finalAttempt: call.finalAttempt,
      freshRequestId: call.freshRequestId,
      onDelta: call.onDelta,
      timing,
      trace,
    });
    if (outcome.type === "answer") {
      const overheadMs = performance.now() - startedAt - timing.providerMs - timing.waitMs;
      call.processing.pipeline.metrics.overhead.observe({ door: "http" }, Math.max(0, overheadMs) / 1_000);
    }
    const answer = answerFromOutcome(outcome);
    if (trace) recordResponse(trace.span, answer.response);
    return answer;
  } finally {
    reply.raw.off("close", onClose);
    forgetShutdown();
  }
}
