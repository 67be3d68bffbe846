import { ConfigReload, watchConfigFile, type ReloadResult, type ServiceRuntime } from "./config-reload.ts";
import { loadConfig, type LoadedConfig } from "./config/load-config.ts";
import type { ModelbusConfig } from "./config/config-schema.ts";
import { registryWarnings } from "./config/check-registry-references.ts";
import { setHeapGrowingPercent } from "./runtime/set-heap-growing-percent.ts";
import { createLogger, type Logger } from "./observability/logger.ts";
import { createMetrics, type Metrics } from "./observability/metrics.ts";
import { listenForMetrics } from "./observability/metrics-listener.ts";
import { providerRequestObserver } from "./observability/provider-request-log.ts";
import { pipelineDependencies } from "./pipeline/pipeline-dependencies.ts";
import { deliveryDependencies } from "./transports/nats/serve-nats-delivery.ts";
import { runStoredRequest, type StoredRequestDependencies } from "./pipeline/run-stored-request.ts";
import type { MockProviderServer } from "./providers/mock/mock-provider-server.ts";
import { providerEndpoints, startMockIfUsed } from "./providers/provider-endpoints.ts";
import { OpenAIChatProvider } from "./providers/openai-chat-provider.ts";
import { ProviderRateLimits } from "./providers/provider-rate-limits.ts";
import { BudgetGuard, type BudgetScope } from "./budget/budget-guard.ts";
import { LocalBudgetLedger, RedisBudgetLedger, type BudgetUnit, type BudgetWindow } from "./budget/budget-ledger.ts";
import type { DeploymentRouter } from "./registry/deployment-router.ts";
import { breakerRegistryFromConfig } from "./registry/breaker-registry.ts";
import { ModelRegistry } from "./registry/model-registry.ts";
import type { SqlInferenceStore } from "./store/sql-inference-store.ts";
import { openStore } from "./store/open-store.ts";
import { throttleRegistryFromConfig } from "./throttle/throttle-registry.ts";
import { openCatalogStore } from "./store/catalog-store.ts";
import { registerHttpRoutes } from "./transports/http/register-http-routes.ts";
import { resolveHttpApiKey } from "./transports/http/bearer-auth.ts";
import { closeHttpServer, createHttpServer, HttpDrain } from "./transports/http/http-server.ts";
import { connectNats, trackConnection, type NatsConnection } from "./transports/nats/connect-nats.ts";
import { openJetStream } from "./transports/nats/jetstream-setup.ts";
import { ChunkPublisher } from "./transports/nats/chunk-publisher.ts";
import { RequestConsumer } from "./transports/nats/request-consumer.ts";
import { ResponsePublisher } from "./transports/nats/response-publisher.ts";
import { subjectsFor } from "./transports/nats/subjects.ts";
import { startTracing } from "./observability/tracing.ts";

export interface ServiceOptions extends LoadedConfig {
  readonly env?: NodeJS.ProcessEnv;
  readonly logger?: Logger;
  /**
   * Reads the config again, for a reload (SIGHUP, POST /v1/admin/reload, a file change); throws
   * E_CONFIG_INVALID listing every problem. Default: the file at environment.configPath.
   */
  readonly readConfig?: (() => ModelbusConfig) | undefined;
}

export interface Service {
  readonly config: ModelbusConfig;
  readonly httpUrl: string;
  /** The /metrics listener of its own (metrics.port), when one is configured. */
  readonly metricsUrl: string | undefined;
  readonly metrics: Metrics;
  readonly nats: NatsConnection;
  readonly streamName: string;
  readonly mockProvider: MockProviderServer | undefined;
  readonly consumer: RequestConsumer;
  readonly store: SqlInferenceStore | undefined;
  /** Drains both doors within service.shutdown_timeout, then closes everything; never rejects. */
  stop(): Promise<StopResult>;
  /** Re-reads the config and applies what can change at runtime to new requests; never rejects. */
  reload(source: string): Promise<ReloadResult>;
}

export interface StopResult {
  readonly ok: boolean;
  /** The shutdown steps that failed (each logged). */
  readonly failedSteps: readonly string[];
}

/** After the shutdown deadline cancels HTTP requests, how long their 503s get to go out. */
const httpCancelGraceMs = 2_000;

/**
 * The composition root: config → adapters → pipeline → doors. Everything started here is
 * stopped by `stop()` in reverse order, so tests can run several services in one process.
 */
export async function startService(options: ServiceOptions): Promise<Service> {
  const { config, environment } = options;
  const env = options.env ?? process.env;
  const logger = options.logger ?? createLogger({ level: config.service.log_level });
  setHeapGrowingPercent(config.service.heap_growing_percent);
  for (const warning of registryWarnings(config.model_registry, env)) logger.warn({ path: warning.path }, warning.message);
  // Before anything starts: a public address without a bearer key is refused (E_CONFIG_INVALID).
  const apiKey = resolveHttpApiKey(config.http, env, environment.httpHost);
  // OTEL_* asking for what modelbus cannot do is refused here too (E_CONFIG_INVALID).
  const tracing = await startTracing(env, logger);
  const throttles = throttleRegistryFromConfig(config, env, logger);
  const metrics = createMetrics({ throttleQueues: () => throttles.stats(), semstreams: config.metrics.semstreams });
  const mockProvider = await startMockIfUsed(config);
  if (mockProvider) logger.info({ url: mockProvider.url }, "built-in mock provider started");

  const breakers = breakerRegistryFromConfig(config, metrics, performance.now.bind(performance));
  const rateLimits = new ProviderRateLimits();
  const redis = throttles.redisClient();
  const ledger = redis ? new RedisBudgetLedger(redis, "modelbus:budget") : new LocalBudgetLedger();
  const budgetMetrics = {
    spent: (scope: BudgetScope, unit: BudgetUnit, amount: number) => metrics.budgetSpend.inc({ scope, unit }, amount),
    refused: (scope: BudgetScope, window: BudgetWindow) => metrics.budgetRefusals.inc({ scope, window }),
  };
  /** The pipeline of one config: a reload builds another; throttles, breakers, router, rate limits and the budget ledger carry over. */
  const pipelineFor = (effective: ModelbusConfig, router?: DeploymentRouter) => {
    const endpointOf = (name: string) => effective.model_registry.endpoints[name];
    const onRequest = providerRequestObserver({ logger, env, semstreams: metrics.semstreams, endpointOf });
    const provider = new OpenAIChatProvider(providerEndpoints(effective, mockProvider, env), { logger, rateLimits, ...(onRequest ? { onRequest } : {}) });
    return pipelineDependencies(effective, {
      registry: new ModelRegistry(effective.model_registry),
      provider,
      rateLimits,
      budgets: new BudgetGuard(effective.budgets, ledger, budgetMetrics),
      throttles,
      breakers,
      metrics,
      logger,
      ...(router ? { router } : {}),
    });
  };
  const runtime: ServiceRuntime = { config, pipeline: pipelineFor(config) };
  const configReload = new ConfigReload({
    runtime,
    readConfig: options.readConfig ?? (() => loadConfig({ ...env, MODELBUS_CONFIG: environment.configPath }).config),
    pipelineFor,
    mockProviderRunning: mockProvider !== undefined,
    breakers,
    throttles,
    metrics,
    logger,
  });
  const reload = (source: string) => configReload.reload(source);

  const store = config.store.enabled
    ? await openStore(config.store, environment.databaseUrl, logger, {
        onBatch: (operation, size, durationMs) => {
          metrics.storeDuration.observe({ operation }, durationMs / 1_000);
          metrics.storeBatchSize.observe({ operation }, size);
        },
        onPurged: (table, rows) => metrics.retentionPurged.inc({ table }, rows),
      })
    : undefined;
  const processing: StoredRequestDependencies = {
    get pipeline() {
      return runtime.pipeline;
    },
    store,
    leaseMarginMs: config.store.lease_margin,
    retryDelayMs: config.nats.nak_delay,
    tracing,
  };

  const nats = await connectNats(environment.natsUrl, config.nats, env);
  const natsConnected = trackConnection(nats, (connected) => (connected ? logger.info("NATS reconnected") : logger.warn("NATS connection lost; reconnecting")));
  const subjects = subjectsFor(config.nats.subject_prefix);
  const { client, manager, stream } = await openJetStream(nats, config.nats, subjects);
  logger.info({ stream: stream.name, created: stream.created, consumer: config.nats.consumer }, "JetStream ready");
  const publisher = new ResponsePublisher(client, manager, stream.name, subjects);
  const consumer = new RequestConsumer({
    consumer: await client.consumers.get(stream.name, config.nats.consumer),
    concurrency: config.nats.concurrency,
    logger,
    delivery: deliveryDependencies(config.nats, {
      publisher,
      chunks: new ChunkPublisher(nats, subjects),
      metrics,
      logger,
      checkPublishedOnRedelivery: store === undefined,
      tracing,
      process: (request, processOptions) => runStoredRequest(processing, request, processOptions),
    }),
  });
  // Limited endpoints refuse calls until Redis answers; say so rather than fail the start.
  await throttles.ready().catch((error: Error) => logger.error({ err: error }, "throttle Redis not ready; limited endpoints refuse calls until it is"));
  await consumer.start();

  const catalog = store ? openCatalogStore(environment.databaseUrl, { connectionLimit: config.store.connection_limit, logger }) : undefined;
  const http = createHttpServer({ logger, bodyLimitBytes: config.http.body_limit_bytes });
  const drain = new HttpDrain();
  if (!apiKey) logger.warn({ host: environment.httpHost, env: config.http.api_key_env }, "no HTTP bearer key set: HTTP routes are open (loopback only)");
  registerHttpRoutes(http, {
    config,
    apiKey,
    processing,
    metricsRegistry: metrics.registry,
    catalog,
    onAgentsChanged: () => store?.agents.invalidate(),
    drain,
    reload: (source) => reload(source),
    readinessDetails: () => (configReload.last ? { config: { last_reload: configReload.last } } : {}),
    readiness: [
      { name: "nats", check: natsConnected },
      ...(store ? [{ name: "mysql", check: () => store.ping() }] : []),
      ...(catalog ? [{ name: "migrations", check: () => catalog.migrationsApplied() }] : []),
      ...(config.throttle.redis_url ? [{ name: "throttle_redis", check: () => throttles.healthy() }] : []),
    ],
  });
  const httpUrl = await http.listen({ host: environment.httpHost, port: environment.httpPort });
  const metricsListener = config.metrics.port === undefined ? undefined : await listenForMetrics(metrics.registry, config.metrics.host, config.metrics.port);
  if (metricsListener) logger.info({ url: metricsListener.url }, "metrics served without the bearer key");
  logger.info({ url: httpUrl, nats: environment.natsUrl, requests: subjects.requests }, "modelbus serving");

  let stopped: Promise<StopResult> | undefined;
  const stop = () => {
    stopped ??= (async () => {
      const failures: string[] = [];
      /** Each step runs whatever the one before it did; a failure is logged and reported, never thrown. */
      const step = async (name: string, run: () => unknown) => {
        try {
          await run();
        } catch (error) {
          failures.push(name);
          logger.error({ err: error, step: name }, "shutdown step failed");
        }
      };
      watcher?.close();
      const deadlineMs = config.service.shutdown_timeout;
      // Both doors drain at once, under the one shutdown deadline.
      await Promise.all([
        step("nats consumer", async () => {
          const result = await consumer.stop(deadlineMs);
          logger.info({ finished_in_flight: result.finished }, "consumer stopped");
        }),
        step("http", async () => {
          const result = await closeHttpServer(http, drain, deadlineMs, httpCancelGraceMs);
          logger.info({ finished_in_flight: result.finished }, "HTTP server closed");
        }),
      ]);
      await step("metrics listener", () => metricsListener?.close());
      await step("nats drain", () => nats.drain());
      await step("catalog", () => catalog?.close());
      await step("throttles", () => throttles.stopAll());
      await step("store", () => store?.close());
      await step("provider", () =>
        Promise.all([runtime.pipeline.provider as OpenAIChatProvider, ...configReload.retiredProviders].map((each) => each.close())),
      );
      await step("mock provider", () => mockProvider?.close());
      await step("tracing", () => tracing?.shutdown());
      logger.info({ failed_steps: failures }, failures.length === 0 ? "modelbus stopped" : "modelbus stopped with failures");
      return { ok: failures.length === 0, failedSteps: failures };
    })();
    return stopped;
  };
  const watcher = config.service.reload_on_change ? watchConfigFile(environment.configPath, () => void reload("file change"), logger) : undefined;
  return {
    get config() {
      return runtime.config;
    },
    httpUrl,
    metricsUrl: metricsListener?.url,
    metrics,
    nats,
    streamName: stream.name,
    mockProvider,
    consumer,
    store,
    stop,
    reload,
  };
}
