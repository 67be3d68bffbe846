import { randomBytes } from "node:crypto";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { parseConfig } from "../../src/config/load-config.ts";
import type { AgentResponse } from "../../src/core/agent-response.ts";
import { startService, type Service } from "../../src/main.ts";
import { createLogger, type Logger } from "../../src/observability/logger.ts";
import type { StreamChunk } from "../../src/transports/nats/chunk-publisher.ts";
import { decodeResponse } from "../../src/transports/nats/encode-response.ts";

export const natsUrl = process.env.NATS_URL ?? "nats://127.0.0.1:4222";

type Json = Record<string, unknown>;

/** A unique subject prefix / stream / consumer per test, so files can run in parallel. */
export function uniqueNames() {
  const id = randomBytes(5).toString("hex");
  return { prefix: `t${id}`, stream: `T_${id}`, consumer: `c_${id}` };
}

/** A config for tests: mock endpoints, fast retries, unique NATS names; `overrides` merge per section. */
export function testConfig(
  names: ReturnType<typeof uniqueNames>,
  overrides: { nats?: Json; retry?: Json; service?: Json; registry?: Json; store?: Json; throttle?: Json; breaker?: Json; http?: Json; budgets?: Json } = {},
) {
  return parseConfig({
    ...(overrides.budgets ? { budgets: overrides.budgets } : {}),
    ...(overrides.throttle ? { throttle: overrides.throttle } : {}),
    ...(overrides.breaker ? { breaker: overrides.breaker } : {}),
    ...(overrides.http ? { http: overrides.http } : {}),
    store: { enabled: false, agent_cache_ttl: "100ms", ...overrides.store },
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
    model_registry: overrides.registry ?? {
      endpoints: {
        main: { provider: "mock", model: "main-model", supports_tools: true },
        spare: { provider: "mock", model: "spare-model", supports_tools: true },
      },
      model_aliases: { fast: "spare" },
      capabilities: { general: { preferred: ["main"], fallback: ["spare"] } },
    },
  });
}

export async function startTestService(
  config: ReturnType<typeof testConfig>,
  options: { databaseUrl?: string; env?: NodeJS.ProcessEnv; logger?: Logger } = {},
): Promise<Service> {
  return startService({
    config,
    environment: { configPath: "(test)", natsUrl, databaseUrl: options.databaseUrl ?? "", httpHost: "127.0.0.1", httpPort: 0 },
    env: options.env ?? {},
    logger: options.logger ?? createLogger({ level: config.service.log_level }),
  });
}

/** An orchestrator's side of the wire: publish requests, collect responses by request_id. */
export class TestOrchestrator {
  private constructor(
    readonly nats: NatsConnection,
    readonly prefix: string,
    readonly stream: string,
  ) {}

  static async connect(names: ReturnType<typeof uniqueNames>): Promise<TestOrchestrator> {
    return new TestOrchestrator(await connect({ servers: natsUrl }), names.prefix, names.stream);
  }

  async publish(body: unknown, options: { msgID?: string } = {}): Promise<void> {
    const data = typeof body === "string" ? body : JSON.stringify(body);
    await jetstream(this.nats).publish(`${this.prefix}.request.test`, data, options.msgID ? { msgID: options.msgID } : {});
  }

  /** Waits for the first response stored for requestId (the stream retains responses). */
  async response(requestId: string, timeoutMs = 10_000): Promise<AgentResponse> {
    const raw = await this.rawResponse(requestId, timeoutMs);
    const response = decodeResponse(raw);
    if (!response) throw new Error(`undecodable response for ${requestId}`);
    return response;
  }

  async rawResponse(requestId: string, timeoutMs = 10_000): Promise<Uint8Array> {
    const manager = await jetstreamManager(this.nats);
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const stored = await manager.streams.getMessage(this.stream, { last_by_subj: `${this.prefix}.response.${requestId}` });
      if (stored) return stored.data;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error(`no response for ${requestId} within ${timeoutMs}ms`);
  }

  /** How many responses the stream holds for a request (exactly-once checks). */
  async responseCount(requestId: string): Promise<number> {
    const manager = await jetstreamManager(this.nats);
    const info = await manager.streams.info(this.stream, { subjects_filter: `${this.prefix}.response.${requestId}` });
    return Object.values(info.state.subjects ?? {}).reduce((sum, count) => sum + count, 0);
  }

  async send(request: Json, timeoutMs?: number): Promise<AgentResponse> {
    await this.publish(request);
    return this.response(String(request.request_id), timeoutMs);
  }

  /** Sends a request while listening on its stream subject; returns the chunks and the response. */
  async sendStreaming(request: Json): Promise<{ chunks: StreamChunk[]; response: AgentResponse }> {
    const subscription = this.nats.subscribe(`${this.prefix}.stream.${String(request.request_id)}`);
    const chunks: StreamChunk[] = [];
    const collecting = (async () => {
      for await (const message of subscription) chunks.push(message.json<StreamChunk>());
    })();
    await this.nats.flush();
    const response = await this.send(request);
    await this.nats.flush();
    await new Promise((resolve) => setTimeout(resolve, 50));
    subscription.unsubscribe();
    await collecting;
    return { chunks, response };
  }

  async close(deleteStream = true): Promise<void> {
    if (deleteStream) {
      const manager = await jetstreamManager(this.nats);
      await manager.streams.delete(this.stream).catch(() => undefined);
    }
    await this.nats.drain();
  }
}

export function userRequest(requestId: string, model: string, text = "hello", extra: Json = {}): Json {
  return { request_id: requestId, model, messages: [{ role: "user", content: text }], ...extra };
}
