/**
 * How modelbus's work grows with an agent's history: loops whose requests carry 10, 100 and
 * 1,000 messages of ~1 KB (about 10 KB, 100 KB and 1 MB), through handleDelivery with the real
 * store on MariaDB (the endpoint and the publisher in memory, as in pipeline.ts). Each loop's
 * first request stores its history; every later turn carries the whole history plus the last
 * answer and a new question, as an agent loop sends it.
 *
 * Reported per size:
 * - CPU µs per turn in this process (decode, validate, history hash, SQL building; MariaDB's
 *   own CPU is not in it), and µs per KB of request, which stays flat if the growth is linear;
 * - message rows written per turn (2 when only the new messages are written);
 * - peak RSS added per request in flight: `inFlight` turns at once, RSS sampled while they run,
 *   above the RSS before, divided by `inFlight`.
 */
import { randomBytes } from "node:crypto";
import { setMaxListeners } from "node:events";
import type { ChatMessage } from "../../src/core/agent-request.ts";
import { parseConfig } from "../../src/config/load-config.ts";
import { createLogger } from "../../src/observability/logger.ts";
import { openStore } from "../../src/store/open-store.ts";
import { serveNatsDelivery as handleDelivery } from "../../src/transports/nats/serve-nats-delivery.ts";
import { countInDatabase, createBenchDatabase } from "../support/bench-database.ts";
import { deliveryOf, inMemoryDelivery, settled } from "./in-memory-delivery.ts";
import { printMicroResult } from "./micro-output.ts";

const sizes = [10, 100, 1_000] as const;
const loops = 8;
const turnsPerLoop = Number(process.env.MICRO_GROWTH_TURNS ?? 6);
const inFlight = 16;
const tag = randomBytes(3).toString("hex");
const filler = "x".repeat(1_000);
const database = await createBenchDatabase(`modelbus_bench_growth_${tag}`);
const signal = new AbortController().signal;
setMaxListeners(0, signal); // as RequestConsumer does: every delivery in flight listens on it

/** `count` alternating user/assistant messages of ~1 KB. */
function history(count: number, seed: string): ChatMessage[] {
  return Array.from({ length: count }, (_, index) => ({ role: index % 2 === 0 ? "user" : "assistant", content: `${seed} ${index} ${filler}` }) as ChatMessage);
}

/** A loop's turns: its first carries `size` messages; each next one adds the answer and a new question. */
function turns(size: number, loop: string): unknown[] {
  const messages = history(size - 1, loop);
  const requests: unknown[] = [];
  for (let turn = 0; turn < turnsPerLoop; turn += 1) {
    messages.push({ role: "user", content: `${loop} question ${turn} ${filler}` });
    requests.push({ request_id: `${loop}-t${turn}`, loop_id: loop, model: "bench", messages: [...messages] });
    messages.push({ role: "assistant", content: `mock answer: ${messages[0]?.content ?? ""}` });
  }
  return requests;
}

try {
  const config = parseConfig({
    service: { log_level: "silent" },
    store: { enabled: true },
    // A 1,000-message history is about 1 MB: over the 1 MiB default (and NATS's own max_payload).
    nats: { max_payload_bytes: 4_194_304 },
    model_registry: { endpoints: { bench: { provider: "openai", url: "http://127.0.0.1:9/v1", model: "bench-model" } } },
  });
  const store = await openStore(config.store, database.url, createLogger({ level: "silent" }));
  const delivery = inMemoryDelivery(config, store);
  const messageRows = () => countInDatabase(database.name, "SELECT COUNT(*) FROM messages");
  const results: Record<string, number> = {};
  for (const size of sizes) {
    const loopTurns = Array.from({ length: loops }, (_, index) => turns(size, `g${tag}-${size}-${index}`));
    // Each loop's first turn stores its history; not measured.
    await Promise.all(loopTurns.map((requests) => handleDelivery(deliveryOf(requests[0]), delivery, signal)));
    const bytes = JSON.stringify(loopTurns[0]?.[1]).length;
    const rowsBefore = await messageRows();
    const ackedBefore = settled.acked;
    const cpuBefore = process.cpuUsage();
    for (let turn = 1; turn < turnsPerLoop; turn += 1) {
      await Promise.all(loopTurns.map((requests) => handleDelivery(deliveryOf(requests[turn]), delivery, signal)));
    }
    const cpu = process.cpuUsage(cpuBefore);
    const measured = loops * (turnsPerLoop - 1);
    if (settled.acked - ackedBefore !== measured) throw new Error(`${settled.acked - ackedBefore} of ${measured} turns acked`);
    const cpuUs = (cpu.user + cpu.system) / measured;
    results[`cpu_us_per_turn_${size}`] = Math.round(cpuUs);
    results[`cpu_us_per_kb_${size}`] = Math.round((cpuUs / (bytes / 1_024)) * 10) / 10;
    results[`rows_per_turn_${size}`] = Math.round(((await messageRows()) - rowsBefore) / measured);

    // Peak RSS with `inFlight` requests of this size at once (new loops: whole histories stored).
    global.gc?.();
    const rssBefore = process.memoryUsage().rss;
    let peak = rssBefore;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 2);
    await Promise.all(Array.from({ length: inFlight }, (_, index) => handleDelivery(deliveryOf(turns(size, `p${tag}-${size}-${index}`)[0]), delivery, signal)));
    clearInterval(sampler);
    results[`request_kb_${size}`] = Math.round(bytes / 1_024);
    results[`peak_rss_kb_per_request_${size}`] = Math.round((peak - rssBefore) / 1_024 / inFlight);
  }
  await store.close();
  const first = sizes[0];
  const last = sizes[sizes.length - 1];
  results.per_kb_growth_ratio = Math.round(((results[`cpu_us_per_kb_${last}`] ?? 0) / (results[`cpu_us_per_kb_${first}`] ?? 1)) * 100) / 100;
  printMicroResult({
    name: "history-growth",
    unit: `per turn of ${loops} loops × ${turnsPerLoop - 1} measured turns, real store; RSS with ${inFlight} requests in flight`,
    results,
  });
} finally {
  await database.drop();
}
