import type { JsMsg } from "@nats-io/jetstream";
import type { NatsConfig } from "../../config/config-schema.ts";
import type { AgentRequest } from "../../core/agent-request.ts";
import { errorResponse, type AgentResponse } from "../../core/agent-response.ts";
import { ModelbusError } from "../../core/modelbus-error.ts";
import { lazyChildLogger } from "../../observability/lazy-child-logger.ts";
import type { Logger } from "../../observability/logger.ts";
import type { Metrics } from "../../observability/metrics.ts";
import { endSpan, recordResponse, requestLogBindings, SpanKind, type RequestTrace, type Tracing } from "../../observability/tracing.ts";
import type { StoredRequestOptions, RequestOutcome } from "../../pipeline/run-stored-request.ts";
import { decodeRequest, type WireForm } from "./decode-request.ts";
import type { ChunkPublisher } from "./chunk-publisher.ts";
import type { ResponsePublisher } from "./response-publisher.ts";

export interface DeliveryDependencies {
  readonly publisher: ResponsePublisher;
  readonly chunks: ChunkPublisher;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly maxPayloadBytes: number;
  readonly heartbeatMs: number;
  readonly nakDelayMs: number;
  /** JetStream gives up after this many deliveries; the last one must answer whatever happens. */
  readonly maxDeliver: number;
  /** Without a store, a redelivery is checked against the response stream instead. */
  readonly checkPublishedOnRedelivery: boolean;
  readonly process: (request: AgentRequest, options: StoredRequestOptions) => Promise<RequestOutcome>;
  /** undefined: tracing is off. */
  readonly tracing?: Tracing | undefined;
}

/** The delivery's dependencies: the given parts, with payload limit, heartbeat, nak delay and max_deliver from the NATS config. */
export function deliveryDependencies(
  nats: NatsConfig,
  parts: Pick<DeliveryDependencies, "publisher" | "chunks" | "metrics" | "logger" | "checkPublishedOnRedelivery" | "process" | "tracing">,
): DeliveryDependencies {
  return {
    ...parts,
    maxPayloadBytes: nats.max_payload_bytes,
    heartbeatMs: nats.heartbeat_interval,
    nakDelayMs: nats.nak_delay,
    maxDeliver: nats.max_deliver,
  };
}

type Settlement = "ack" | "nak" | "term";

function settle(message: JsMsg, dependencies: DeliveryDependencies, outcome: Settlement, reason: string, nakDelayMs?: number): void {
  if (outcome === "ack") message.ack();
  // No reason on the wire: nats-server 2.9 (as installed here) does not recognise
  // "+TERM <reason>", so the message stayed unacknowledged and came back after ack_wait,
  // counted and answered again. The reason is in the metric and the log.
  else if (outcome === "term") message.term();
  else message.nak(nakDelayMs);
  dependencies.metrics.deliveries.inc({ outcome, reason });
}

/** Publishes, then settles: ack only after the PubAck; a failed publish is nak'd with delay. */
async function publishThenAck(
  message: JsMsg,
  dependencies: DeliveryDependencies,
  response: AgentResponse,
  form: WireForm,
  logger: Logger,
  settleAs: { outcome: Settlement; reason: string },
  trace?: RequestTrace,
): Promise<void> {
  // The response carries the publish span's traceparent back to the loop.
  const span = trace?.child("modelbus.publish", SpanKind.PRODUCER, {
    "messaging.system": "nats",
    "messaging.operation.type": "send",
    "modelbus.request_id": response.request_id,
  });
  try {
    await dependencies.publisher.publish(response, form, span ? trace?.headers(span) : undefined);
    span?.end();
  } catch (error) {
    if (span) endSpan(span, error);
    logger.error({ err: error }, "response publish failed; delivery nak'd for retry");
    settle(message, dependencies, "nak", "publish_failed", dependencies.nakDelayMs);
    return;
  }
  settle(message, dependencies, settleAs.outcome, settleAs.reason);
}

/**
 * The NATS transport layer: one JetStream delivery, start to settlement (decode, heartbeat,
 * runStoredRequest, publish, ack/nak/term). The decision table:
 * undecodable → error reply when a request_id is readable, then term;
 * answered before (store, or the response stream without a store) → publish again / ack,
 * without calling the model; answered now (provider errors included) → stored, published,
 * PubAck, ack; store down or request busy elsewhere → nak with delay; abandoned (shutdown,
 * bug) or NATS trouble → nak so it is delivered again.
 */
export async function serveNatsDelivery(message: JsMsg, dependencies: DeliveryDependencies, signal: AbortSignal): Promise<void> {
  const { metrics } = dependencies;
  const receivedAt = performance.now();
  const decoded = decodeRequest(message.data, dependencies.maxPayloadBytes);
  if (decoded.kind === "invalid") {
    metrics.errors.inc({ code: decoded.error.code });
    dependencies.logger.warn(
      { subject: message.subject, code: decoded.error.code, err: decoded.error, request_id: decoded.requestId },
      "undecodable request terminated",
    );
    if (decoded.requestId === undefined) return settle(message, dependencies, "term", decoded.error.code);
    const response = errorResponse(decoded.requestId, decoded.error);
    return publishThenAck(message, dependencies, response, decoded.form, dependencies.logger, { outcome: "term", reason: decoded.error.code });
  }

  const { request } = decoded;
  const delivery = message.info.deliveryCount;
  const trace = dependencies.tracing?.start("modelbus.delivery", SpanKind.CONSUMER, message.headers ? (name) => message.headers?.get(name) : undefined, {
    "messaging.system": "nats",
    "messaging.operation.type": "process",
    "messaging.destination.name": message.subject,
    "messaging.message.delivery_count": delivery,
    "gen_ai.operation.name": "chat",
    "gen_ai.request.model": request.model,
    "modelbus.request_id": request.request_id,
    ...(request.loop_id ? { "modelbus.loop_id": request.loop_id } : {}),
  });
  const handled = handleRequest(message, dependencies, signal, { request, form: decoded.form, delivery, receivedAt, trace });
  if (trace === undefined) return handled;
  try {
    await handled;
  } catch (error) {
    endSpan(trace.span, error);
    throw error;
  }
  trace.span.end();
}

async function handleRequest(
  message: JsMsg,
  dependencies: DeliveryDependencies,
  signal: AbortSignal,
  decoded: { request: AgentRequest; form: WireForm; delivery: number; receivedAt: number; trace: RequestTrace | undefined },
): Promise<void> {
  const { metrics } = dependencies;
  const { request, form, delivery, receivedAt, trace } = decoded;
  // With tracing off, the caller's trace id (from its traceparent) is read only if the request logs.
  const logger = lazyChildLogger(dependencies.logger, () =>
    requestLogBindings(request.request_id, request.loop_id, trace, trace === undefined ? message.headers?.get("traceparent") : undefined),
  );
  // JetStream will not deliver it again: a nak would lose the request without a word.
  const lastDelivery = delivery >= dependencies.maxDeliver;
  if (delivery > 1) metrics.redeliveries.inc();
  if (delivery > 1 && dependencies.checkPublishedOnRedelivery) {
    try {
      if (await dependencies.publisher.findPublished(request.request_id)) {
        logger.info({ delivery }, "redelivered request already answered; acked without a model call");
        return settle(message, dependencies, "ack", "already_answered");
      }
    } catch (error) {
      logger.warn({ err: error }, "could not check for an earlier response; nak'd");
      return settle(message, dependencies, "nak", "lookup_failed", dependencies.nakDelayMs);
    }
  }

  const heartbeat = setInterval(() => message.working(), dependencies.heartbeatMs);
  let outcome: RequestOutcome;
  let streamed = false;
  const timing = { providerMs: 0, waitMs: 0 };
  try {
    outcome = await dependencies.process(request, {
      signal,
      logger,
      wireForm: form,
      finalAttempt: lastDelivery,
      delivery: { source: `${message.info.stream}:${message.seq}`, attempt: delivery },
      timing,
      trace,
      onDelta: (delta) => {
        streamed = true;
        dependencies.chunks.delta(request.request_id, delta);
      },
    });
  } finally {
    clearInterval(heartbeat);
  }
  switch (outcome.type) {
    case "abandoned":
      trace?.span.setAttribute("modelbus.handed_back", outcome.error.code);
      if (lastDelivery) {
        return answerLastDelivery(message, dependencies, { request, form, logger, error: outcome.error, reason: outcome.error.code, trace });
      }
      return abandon(message, dependencies, logger, outcome.error);
    case "retry_later":
      // Busy elsewhere: the holder answers it.
      if (lastDelivery && outcome.reason !== "in_flight_elsewhere") {
        return answerLastDelivery(message, dependencies, { request, form, logger, error: outcome.error, reason: outcome.reason, trace });
      }
      logger.warn({ reason: outcome.reason, err: outcome.error, delay_ms: outcome.delayMs }, "delivery handed back for later");
      trace?.span.setAttribute("modelbus.handed_back", outcome.reason);
      return settle(message, dependencies, "nak", outcome.reason, outcome.delayMs);
    case "answer": {
      if (trace) recordResponse(trace.span, outcome.response);
      if (streamed) dependencies.chunks.flush();
      if (outcome.source === "model" && outcome.response.status !== "error" && (streamed || request.stream === true)) {
        dependencies.chunks.done(request.request_id);
      }
      const reason = outcome.source === "store" ? "answered_from_store" : outcome.response.status;
      await publishThenAck(message, dependencies, outcome.response, form, logger, { outcome: "ack", reason }, trace);
      metrics.overhead.observe({ door: "nats" }, Math.max(0, performance.now() - receivedAt - timing.providerMs - timing.waitMs) / 1_000);
      return;
    }
  }
}

/**
 * The last delivery could not be worked on (the store stayed unreachable through every
 * delivery, or shutdown cancelled it): the orchestrator gets an `error` response saying so,
 * with the code of what stopped it, instead of silence once JetStream stops redelivering.
 */
async function answerLastDelivery(
  message: JsMsg,
  dependencies: DeliveryDependencies,
  failed: { request: AgentRequest; form: WireForm; logger: Logger; error: ModelbusError | undefined; reason: string; trace: RequestTrace | undefined },
): Promise<void> {
  const cause = failed.error?.message ?? failed.reason;
  const error = new ModelbusError({
    code: failed.error?.code ?? "E_STORE_UNAVAILABLE",
    message: `not answered: ${cause} on the last delivery (nats.max_deliver ${dependencies.maxDeliver})`,
  });
  failed.logger.error({ err: failed.error ?? cause, reason: failed.reason }, "last delivery could not be worked on; answered with an error");
  const response = errorResponse(failed.request.request_id, error);
  if (failed.trace) recordResponse(failed.trace.span, response);
  await publishThenAck(message, dependencies, response, failed.form, failed.logger, { outcome: "ack", reason: "last_delivery" }, failed.trace);
}

function abandon(message: JsMsg, dependencies: DeliveryDependencies, logger: Logger, error: ModelbusError): void {
  if (error.code === "E_CANCELLED") {
    logger.info("request cancelled by shutdown; nak'd for another consumer");
    return settle(message, dependencies, "nak", error.code, 0);
  }
  logger.error({ err: error }, "request abandoned; nak'd");
  return settle(message, dependencies, "nak", error.code, dependencies.nakDelayMs);
}
