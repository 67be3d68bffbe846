import type { FastifyReply } from "fastify";
import type { AgentRequest } from "../../core/agent-request.ts";
import type { StreamDelta } from "../../core/chat-provider.ts";
import { ModelbusError } from "../../core/modelbus-error.ts";
import type { Logger } from "../../observability/logger.ts";
import { processRequest, type ProcessDependencies } from "../../pipeline/process-request.ts";
import { recordResponse } from "../../observability/tracing.ts";
import { answerFromOutcome, type HttpAnswer } from "./answer-from-outcome.ts";
import { traceOf } from "./http-tracing.ts";

export interface PipelineCall {
  readonly processing: ProcessDependencies;
  readonly request: AgentRequest;
  readonly reply: FastifyReply;
  readonly logger: Logger;
  /** True: answer even when the outcome cannot be stored (an HTTP client gets no redelivery). */
  readonly finalAttempt: boolean;
  /** Aborts at the shutdown deadline (HttpDrain). */
  readonly shutdown: AbortSignal;
  readonly onDelta?: ((delta: StreamDelta) => void) | undefined;
  /** The request_id was made here (the client sent none): see ProcessOptions.freshRequestId. */
  readonly freshRequestId?: boolean | undefined;
}

/**
 * The HTTP doors' way into the one use case: processRequest with wire form "http" and a
 * signal that aborts when the client disconnects or the service's shutdown deadline passes
 * (the throttle slot and the provider call are given up, the claim released), its outcome
 * mapped for HTTP, and modelbus's own time observed as `modelbus_overhead_seconds{door="http"}`.
 */
export async function runPipelineRequest(call: PipelineCall): Promise<HttpAnswer> {
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
  if (call.shutdown.aborted) onShutdown();
  else call.shutdown.addEventListener("abort", onShutdown, { once: true });
  // Gone while the turn waited (session lock): "close" has fired already.
  if (reply.raw.destroyed || reply.raw.socket?.destroyed === true) onClose();
  try {
    const outcome = await processRequest(call.processing, call.request, {
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
    call.shutdown.removeEventListener("abort", onShutdown);
  }
}
