/**
 * Micro-benchmark of modelbus's own work per request, I/O taken away: one JetStream delivery
 * through handleDelivery → processRequest → handleAgentRequest (decode and validate, claim,
 * governance, route, throttle, retry, deadline, provider call, response, metrics, outcome,
 * encode, publish, ack) with the provider, the store and the publisher answering in memory at
 * once, 256 deliveries in flight as in the bench. Against it, the floor's own work on the same
 * message (parse, request body, response JSON). Reports CPU µs per request of this process.
 * Not a latency number: it is the part of modelbus's CPU per request that is modelbus's code.
 */
import { setMaxListeners } from "node:events";
import type { JsMsg } from "@nats-io/jetstream";
import { parseConfig } from "../../src/config/load-config.ts";
import type { AgentRequest } from "../../src/core/agent-request.ts";
import type { BeginOutcome, CompleteInput, InferenceStore, StoredAnswer } from "../../src/core/inference-store.ts";
import { serveNatsDelivery as handleDelivery } from "../../src/transports/nats/serve-nats-delivery.ts";
import { warmedClosedLoop } from "./closed-loop.ts";
import { deliveryOf, inMemoryDelivery, settled } from "./in-memory-delivery.ts";
import { printMicroResult } from "./micro-output.ts";

const inFlight = 256;
const durationMs = Number(process.env.MICRO_ROUND_MS ?? 1_000) * 3;
const encoder = new TextEncoder();

const config = parseConfig({
  service: { log_level: "silent" },
  model_registry: { endpoints: { bench: { provider: "openai", url: "http://127.0.0.1:9/v1", model: "bench-model" } } },
});

/** Every request new: claimed at once, its outcome stored at once. */
const store: InferenceStore = {
  begin: (request: AgentRequest): Promise<BeginOutcome> =>
    Promise.resolve({
      kind: "claimed",
      ticket: { requestId: request.request_id, inferenceId: request.request_id, owner: "bench", request, agentId: undefined },
    }),
  complete: (input: CompleteInput): Promise<StoredAnswer> => Promise.resolve({ response: input.response, answeredBefore: false }),
  release: () => Promise.resolve(),
  ping: () => Promise.resolve(true),
  close: () => Promise.resolve(),
};
const delivery = inMemoryDelivery(config, store);

const decoder = new TextDecoder();
/** The floor's own work on the same delivery (floor/floor-loop.ts), its I/O taken away. */
async function floorWork(message: JsMsg): Promise<void> {
  const request = JSON.parse(decoder.decode(message.data)) as { request_id: string; messages: { content: string }[] };
  const body = JSON.stringify({ model: "bench-model", messages: request.messages });
  const completion = await Promise.resolve({
    body,
    choices: [{ message: { content: `mock answer: ${request.messages[0]?.content}` }, finish_reason: "stop" }],
    usage: { prompt_tokens: 3, completion_tokens: 4 },
  });
  const choice = completion.choices[0];
  const response = JSON.stringify({
    request_id: request.request_id,
    status: "complete",
    finish_reason: choice?.finish_reason ?? "stop",
    message: { role: "assistant", content: choice?.message.content ?? "" },
    token_usage: { prompt_tokens: completion.usage.prompt_tokens, completion_tokens: completion.usage.completion_tokens },
  });
  if (encoder.encode(response).byteLength > 0) message.ack();
}

const signal = new AbortController().signal;
setMaxListeners(0, signal); // as RequestConsumer does: every delivery in flight listens on it
/**
 * Deliveries built before any measuring, as nats.js hands over bytes: the loops cycle through
 * them, four times as many as are in flight, so no two in flight share a request_id.
 */
const deliveries = Array.from({ length: inFlight * 4 }, (_, index) =>
  deliveryOf({ request_id: `r${index}`, model: "bench", messages: [{ role: "user", content: `hello ${index}` }] }),
);

async function measure(work: (message: JsMsg) => Promise<void>): Promise<number> {
  let sequence = 0;
  const next = () => work(deliveries[++sequence % deliveries.length] as JsMsg);
  const { cpuMsPerCall } = await warmedClosedLoop(inFlight, durationMs, next);
  return Math.round(cpuMsPerCall * 1_000 * 10) / 10;
}

const modelbusUs = await measure((message) => handleDelivery(message, delivery, signal));
const floorUs = await measure(floorWork);
const modelbusAgainUs = await measure((message) => handleDelivery(message, delivery, signal));
if (settled.published === 0 || settled.acked === 0) throw new Error("nothing was published or acked");
const pipelineUs = Math.min(modelbusUs, modelbusAgainUs);
printMicroResult({
  name: "pipeline",
  unit: "CPU µs per request in this process (I/O answered in memory)",
  results: { modelbus_us: pipelineUs, floor_us: floorUs, ratio: Math.round((pipelineUs / floorUs) * 10) / 10 },
});
