/**
 * The parts of a delivery that micro-benchmarks answer in memory: an endpoint answering at
 * once, a publisher that only encodes, a JetStream message as nats.js hands it over, and the
 * delivery dependencies around a given store (in memory, or the real one).
 */
import type { JsMsg } from "@nats-io/jetstream";
import type { ModelbusConfig } from "../../src/config/config-schema.ts";
import type { AgentRequest } from "../../src/core/agent-request.ts";
import type { AgentResponse } from "../../src/core/agent-response.ts";
import type { ChatProvider, ProviderResult } from "../../src/core/chat-provider.ts";
import type { InferenceStore } from "../../src/core/inference-store.ts";
import { createLogger } from "../../src/observability/logger.ts";
import { createMetrics } from "../../src/observability/metrics.ts";
import { pipelineDependencies } from "../../src/pipeline/pipeline-dependencies.ts";
import { runStoredRequest as processRequest, type StoredRequestDependencies as ProcessDependencies } from "../../src/pipeline/run-stored-request.ts";
import { BreakerRegistry } from "../../src/registry/breaker-registry.ts";
import { ModelRegistry } from "../../src/registry/model-registry.ts";
import { throttleLimitsFromConfig } from "../../src/throttle/throttle-limits.ts";
import { ThrottleRegistry } from "../../src/throttle/throttle-registry.ts";
import type { ChunkPublisher } from "../../src/transports/nats/chunk-publisher.ts";
import { encodeResponse } from "../../src/transports/nats/encode-response.ts";
import { deliveryDependencies, type DeliveryDependencies } from "../../src/transports/nats/serve-nats-delivery.ts";
import type { ResponsePublisher } from "../../src/transports/nats/response-publisher.ts";

const encoder = new TextEncoder();

/** The endpoint answering at once: what the mock answers, already parsed. */
export const instantProvider: ChatProvider = {
  complete: (_endpoint: string, request: AgentRequest): Promise<ProviderResult> =>
    Promise.resolve({
      status: "complete",
      finishReason: "stop",
      message: { role: "assistant", content: `mock answer: ${request.messages[0]?.content ?? ""}` },
      usage: { prompt_tokens: 3, completion_tokens: 4 },
      providerModel: "bench-model",
    }),
};

/** Counts what goes out and is acked. */
export const settled = { published: 0, acked: 0 };

/** A first delivery of `payload` as nats.js hands it over: the bytes, the delivery count, the settle calls. */
export function deliveryOf(payload: unknown): JsMsg {
  return {
    data: encoder.encode(JSON.stringify(payload)),
    subject: "bench.request.x",
    info: { deliveryCount: 1, stream: "BENCH" },
    seq: 1,
    ack: () => (settled.acked += 1),
    nak: () => undefined,
    term: () => undefined,
    working: () => undefined,
  } as unknown as JsMsg;
}

/** handleDelivery's dependencies with `store`, the endpoint and the publisher in memory. */
export function inMemoryDelivery(config: ModelbusConfig, store: InferenceStore | undefined): DeliveryDependencies {
  const publisher = {
    publish: (response: AgentResponse, form: "bare" | "envelope") => {
      settled.published += encodeResponse(response, form).byteLength > 0 ? 1 : 0;
      return Promise.resolve({ duplicate: false });
    },
    findPublished: () => Promise.resolve(undefined),
  } as unknown as ResponsePublisher;
  const metrics = createMetrics({ defaultMetrics: false });
  const logger = createLogger({ level: (process.env.MICRO_LOG_LEVEL ?? "silent") as "silent" });
  const { breaker } = config;
  const pipeline = pipelineDependencies(config, {
    registry: new ModelRegistry(config.model_registry),
    provider: instantProvider,
    throttles: new ThrottleRegistry(throttleLimitsFromConfig(config.model_registry.endpoints)),
    breakers: new BreakerRegistry({
      enabled: breaker.enabled,
      window: breaker.window,
      minCalls: breaker.min_calls,
      failureRatio: breaker.failure_ratio,
      cooldownMs: breaker.cooldown,
      now: () => performance.now(),
    }),
    metrics,
    logger,
  });
  const processing: ProcessDependencies = { pipeline, store, leaseMarginMs: config.store.lease_margin, retryDelayMs: config.nats.nak_delay };
  return deliveryDependencies(config.nats, {
    publisher,
    chunks: { delta: () => undefined, done: () => undefined } as unknown as ChunkPublisher,
    metrics,
    logger,
    checkPublishedOnRedelivery: false,
    process: (request, options) => processRequest(processing, request, options),
  });
}
