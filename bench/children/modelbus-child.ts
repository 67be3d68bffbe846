/** modelbus as the system under test: startService with persistence on, in its own process. */
import { parseConfig } from "../../src/config/load-config.ts";
import { startService } from "../../src/main.ts";
import { createLogger } from "../../src/observability/logger.ts";
import { readChildOptions, serveChild } from "./child-runtime.ts";
import { timeStoreCalls } from "./store-timings.ts";

export interface ModelbusChildOptions {
  readonly natsUrl: string;
  readonly databaseUrl: string;
  readonly prefix: string;
  readonly stream: string;
  readonly consumer: string;
  readonly concurrency: number;
  readonly mockUrl: string;
  readonly endpointName: string;
  readonly model: string;
  readonly apiKey: string;
  readonly logLevel: "warn" | "silent";
  readonly persistence: boolean;
  /** Tracing on, exporting OTLP/HTTP here (the "traced" run); off without it. */
  readonly otlpUrl?: string;
}

serveChild(async () => {
  const options = readChildOptions<ModelbusChildOptions>();
  // Every span exported, none dropped at full load: the SDK's batch processor reads these from
  // the process environment (its default queue of 2,048 spans overflows at ~300 requests/s).
  if (options.otlpUrl) {
    process.env.OTEL_BSP_MAX_QUEUE_SIZE ??= "100000";
    process.env.OTEL_BSP_MAX_EXPORT_BATCH_SIZE ??= "2048";
    process.env.OTEL_BSP_SCHEDULE_DELAY ??= "500";
  }
  const config = parseConfig({
    service: { log_level: options.logLevel, timeout: "60s", shutdown_timeout: "10s" },
    nats: {
      stream: options.stream,
      subject_prefix: options.prefix,
      consumer: options.consumer,
      concurrency: options.concurrency,
      max_ack_pending: 1_000,
      stream_max_age: "1h",
    },
    store: { enabled: options.persistence },
    model_registry: {
      // No limits on the endpoint: the bench measures modelbus, not a throttle.
      endpoints: { [options.endpointName]: { provider: "openai", url: options.mockUrl, model: options.model } },
    },
  });
  const service = await startService({
    config,
    environment: { configPath: "(bench)", natsUrl: options.natsUrl, databaseUrl: options.databaseUrl, httpHost: "127.0.0.1", httpPort: 0 },
    env: { MODELBUS_API_KEY: options.apiKey, ...(options.otlpUrl ? { OTEL_EXPORTER_OTLP_ENDPOINT: options.otlpUrl } : {}) },
    logger: createLogger({ level: options.logLevel }),
  });
  const counters = service.store ? timeStoreCalls(service.store) : undefined;
  return { info: { httpUrl: service.httpUrl, stream: service.streamName }, stop: () => service.stop(), ...(counters ? { counters } : {}) };
});
