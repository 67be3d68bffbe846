/**
 * Shared pieces of the fault suite (test/integration/faults-*.test.ts): a config with every
 * section overridable, a service or orchestrator on any NATS server (the private ones
 * included), metric readers, and the exactly-once check every fault test ends with.
 */
import { Writable } from "node:stream";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { expect } from "vitest";
import { parseConfig } from "../../src/config/load-config.ts";
import type { AgentResponse } from "../../src/core/agent-response.ts";
import { startService, type Service } from "../../src/main.ts";
import { createLogger } from "../../src/observability/logger.ts";
import type { MockProviderServer } from "../../src/providers/mock/mock-provider-server.ts";
import type { RecordedRequest } from "../../src/providers/mock/mock-traffic-log.ts";
import { TcpProxy } from "./tcp-proxy.ts";
import { createTestDatabase, type TestDatabase } from "./test-database.ts";
import { TestOrchestrator, natsUrl as sharedNatsUrl, type uniqueNames } from "./test-service.ts";

type Json = Record<string, unknown>;
export type Names = ReturnType<typeof uniqueNames>;

export interface FaultOverrides {
  readonly service?: Json;
  readonly nats?: Json;
  readonly retry?: Json;
  readonly store?: Json;
  readonly breaker?: Json;
  readonly registry?: Json;
  readonly throttle?: Json;
}

/** The raw config object (what a config file would hold) for a fault test. */
export function faultConfigObject(names: Names, overrides: FaultOverrides = {}): Json {
  return {
    service: { timeout: "10s", shutdown_timeout: "5s", log_level: "silent", ...overrides.service },
    nats: {
      stream: names.stream,
      subject_prefix: names.prefix,
      consumer: names.consumer,
      ack_wait: "5s",
      heartbeat_interval: "250ms",
      nak_delay: "200ms",
      ...overrides.nats,
    },
    retry: { initial_delay: "20ms", max_delay: "2s", rate_limit_delay: "50ms", jitter: 0, ...overrides.retry },
    store: { enabled: false, agent_cache_ttl: "100ms", ...overrides.store },
    breaker: { enabled: false, ...overrides.breaker },
    ...(overrides.throttle ? { throttle: overrides.throttle } : {}),
    model_registry: overrides.registry ?? { endpoints: { main: { provider: "mock", model: "main-model" } } },
  };
}

export function faultConfig(names: Names, overrides: FaultOverrides = {}) {
  return parseConfig(faultConfigObject(names, overrides));
}

/**
 * A service on any NATS server and database; with `logLines`, its log records (JSON
 * objects) are collected there for assertions on what an operator would read.
 */
export async function startFaultService(
  config: ReturnType<typeof faultConfig>,
  options: { natsUrl?: string; databaseUrl?: string; logLines?: Array<Record<string, unknown>> } = {},
): Promise<Service> {
  const { logLines } = options;
  const destination = logLines
    ? new Writable({
        write(chunk: Buffer, _encoding, done) {
          for (const line of chunk.toString().split("\n")) if (line.trim() !== "") logLines.push(JSON.parse(line) as Record<string, unknown>);
          done();
        },
      })
    : undefined;
  return startService({
    config,
    environment: {
      configPath: "(fault test)",
      natsUrl: options.natsUrl ?? sharedNatsUrl,
      databaseUrl: options.databaseUrl ?? "",
      httpHost: "127.0.0.1",
      httpPort: 0,
    },
    env: {},
    logger: createLogger({ level: config.service.log_level, ...(destination ? { destination } : {}) }),
  });
}

/**
 * A TestOrchestrator on another NATS server (a private one), reconnecting for as long as
 * the test runs. TestOrchestrator's constructor is private to keep tests on `connect()`;
 * this is the one place that needs a different server, so it constructs one reflectively
 * rather than copying the class.
 */
export async function orchestratorAt(names: Names, servers: string): Promise<TestOrchestrator> {
  const nats = await connect({ servers, maxReconnectAttempts: -1, reconnectTimeWait: 200 });
  const construct = TestOrchestrator as unknown as new (...args: unknown[]) => TestOrchestrator;
  return Reflect.construct(construct, [nats, names.prefix, names.stream]);
}

/** The sum of a metric's values whose labels include `labels` (0 when none). */
export async function metricValue(service: Service, name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = service.metrics.registry.getSingleMetric(name);
  if (!metric) throw new Error(`no metric ${name}`);
  const { values } = await metric.get();
  return values
    .filter((value) => Object.entries(labels).every(([key, wanted]) => String((value.labels as Record<string, unknown>)[key]) === wanted))
    .reduce((sum, value) => sum + value.value, 0);
}

/** The last user message of a recorded chat request: fault tests put the request_id there. */
export function recordedText(record: Pick<RecordedRequest, "body">): string {
  const messages = (record.body as { messages?: Array<{ role: string; content?: unknown }> }).messages ?? [];
  const last = [...messages].reverse().find((message) => message.role === "user");
  return typeof last?.content === "string" ? last.content : "";
}

/** The mock's recorded calls per request_id (the user text), oldest first. */
export function callsByRequest(mock: MockProviderServer, model: string): Map<string, RecordedRequest[]> {
  const calls = new Map<string, RecordedRequest[]>();
  for (const record of mock.requestsFor(model)) {
    const text = recordedText(record);
    calls.set(text, [...(calls.get(text) ?? []), record]);
  }
  return calls;
}

/** Publishes every request (in parallel batches) and returns their ids. */
export async function publishAll(orchestrator: TestOrchestrator, requests: readonly Json[]): Promise<string[]> {
  for (let start = 0; start < requests.length; start += 50) {
    await Promise.all(requests.slice(start, start + 50).map((request) => orchestrator.publish(request)));
  }
  return requests.map((request) => String(request.request_id));
}

/**
 * Waits for one response, riding out NATS trouble on the orchestrator's side too (a
 * lookup that fails while the server restarts is tried again until the deadline).
 */
export async function awaitResponse(orchestrator: TestOrchestrator, id: string, timeoutMs: number): Promise<AgentResponse> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      return await orchestrator.response(id, Math.max(1, deadline - Date.now()));
    } catch (error) {
      lastError = error;
      await sleep(100);
    }
  }
  throw new Error(`no response for ${id} within ${timeoutMs}ms (last error: ${String(lastError)})`);
}

/** Waits for each id's response; returns them by id. */
export async function collectResponses(orchestrator: TestOrchestrator, ids: readonly string[], timeoutMs: number): Promise<Map<string, AgentResponse>> {
  const responses = await Promise.all(ids.map(async (id) => [id, await awaitResponse(orchestrator, id, timeoutMs)] as const));
  return new Map(responses);
}

/**
 * The fault suite's invariant: every request has exactly one response in the stream.
 * `settleMs` first waits a little so a late duplicate (a redelivery answered again) shows.
 */
export async function expectExactlyOnce(orchestrator: TestOrchestrator, ids: readonly string[], settleMs = 0): Promise<void> {
  if (settleMs > 0) await new Promise((resolve) => setTimeout(resolve, settleMs));
  const counts = await Promise.all(ids.map(async (id) => [id, await orchestrator.responseCount(id)] as const));
  const wrong = counts.filter(([, count]) => count !== 1);
  expect(wrong, `requests without exactly one response: ${JSON.stringify(wrong)}`).toEqual([]);
}

/** Consumer state from JetStream: nothing pending and nothing unacknowledged means no delivery hangs. */
export async function consumerBacklog(orchestrator: TestOrchestrator, names: Names): Promise<{ pending: number; ackPending: number; redelivered: number }> {
  const info = await (await jetstreamManager(orchestrator.nats)).consumers.info(names.stream, names.consumer);
  return { pending: info.num_pending, ackPending: info.num_ack_pending, redelivered: info.num_redelivered };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A fresh test database reached through a proxy the test can cut (TcpProxy): `url` is what
 * the service is given; `database.url` reaches it directly. Both are cleaned up by `defer`.
 */
export async function proxiedTestDatabase(defer: (cleanup: () => Promise<unknown>) => void): Promise<{ database: TestDatabase; proxy: TcpProxy; url: string }> {
  const database = await createTestDatabase();
  defer(() => database.drop());
  const target = new URL(database.url);
  const proxy = await TcpProxy.start({ host: target.hostname, port: Number(target.port || 3306) });
  defer(() => proxy.down());
  const viaProxy = new URL(database.url);
  viaProxy.port = String(proxy.port);
  return { database, proxy, url: viaProxy.toString() };
}
