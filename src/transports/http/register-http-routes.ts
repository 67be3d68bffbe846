import type { FastifyInstance } from "fastify";
import type { ModelbusConfig } from "../../config/config-schema.ts";
import type { StoredRequestDependencies } from "../../pipeline/run-stored-request.ts";
import type { CatalogStore } from "../../store/catalog-store.ts";
import type { ReloadResult } from "../../config-reload.ts";
import { registerAdminRoutes, type ReadinessCheck } from "./admin-routes.ts";
import { registerAgentRoutes } from "./agent-routes.ts";
import { registerChatCompletionsRoute } from "./chat-completions-route.ts";
import { consolePaths, registerConsoleRoutes } from "./console-routes.ts";
import { registerConversationRoutes } from "./conversation-routes.ts";
import { registerEndpointRoutes } from "./endpoint-routes.ts";
import { registerInferenceRoutes } from "./inference-routes.ts";
import { refuseWhileDraining, type HttpDrain } from "./http-server.ts";
import { registerBearerAuth } from "./bearer-auth.ts";
import { registerHttpTracing } from "./http-tracing.ts";
import { registerSessionMessageRoute } from "./session-message-route.ts";
import { registerSessionRoutes } from "./session-routes.ts";
import { registerTranscriptRoutes } from "./transcript-routes.ts";
import type { MetricsRegistry } from "../../observability/metrics.ts";

export interface HttpRouteDependencies {
  readonly config: ModelbusConfig;
  /** undefined: no key configured (allowed on loopback only), routes are open. */
  readonly apiKey: string | undefined;
  readonly processing: StoredRequestDependencies;
  readonly metricsRegistry: MetricsRegistry;
  readonly readiness: readonly ReadinessCheck[];
  /** undefined when the store is disabled: the catalog and session routes are not served. */
  readonly catalog: CatalogStore | undefined;
  readonly onAgentsChanged: () => void;
  /** The door's shutdown: new requests refused while it drains, running ones cancelled at its deadline. */
  readonly drain: HttpDrain;
  /** POST /v1/admin/reload: re-read the config (see Service.reload). */
  readonly reload?: ((source: string) => Promise<ReloadResult>) | undefined;
  /** Shown in /readyz beside the checks (the last config reload). */
  readonly readinessDetails?: (() => Record<string, unknown>) | undefined;
}

/** Every HTTP route, behind bearer auth (registered first, so it covers all of them and unknown paths) but for /healthz and the console's static files. */
export function registerHttpRoutes(app: FastifyInstance, dependencies: HttpRouteDependencies): void {
  const { config, processing, catalog } = dependencies;
  // The pipeline is read per call, through these getters: a config reload swaps it.
  const current = () => processing.pipeline;
  const maxPageSize = config.http.max_page_size;
  const shutdown = dependencies.drain.signal;
  refuseWhileDraining(app, dependencies.drain);
  registerHttpTracing(app, processing.tracing);
  if (dependencies.apiKey !== undefined) registerBearerAuth(app, { apiKey: dependencies.apiKey, openPaths: ["/healthz", ...consolePaths] });
  registerConsoleRoutes(app);
  registerAdminRoutes(app, {
    registry: dependencies.metricsRegistry,
    checks: dependencies.readiness,
    details: dependencies.readinessDetails,
    reload: dependencies.reload,
  });
  registerEndpointRoutes(app, {
    get registryConfig() {
      return current().registry.config;
    },
    get throttles() {
      return current().throttles;
    },
    get breakers() {
      return current().breakers;
    },
    get router() {
      return current().router;
    },
    get rateLimits() {
      return current().rateLimits;
    },
    get recent() {
      return current().metrics.endpointWindow;
    },
    startedAt: Date.now(),
  });
  registerChatCompletionsRoute(app, { processing, shutdown });
  if (!catalog) return;
  registerAgentRoutes(app, {
    agents: catalog.agents,
    get registry() {
      return current().registry;
    },
    get budgets() {
      return current().budgets;
    },
    maxPageSize,
    onAgentsChanged: dependencies.onAgentsChanged,
  });
  registerConversationRoutes(app, { catalog, maxPageSize });
  registerSessionRoutes(app, {
    catalog,
    get registry() {
      return current().registry;
    },
    get budgets() {
      return current().budgets;
    },
    maxPageSize,
  });
  registerSessionMessageRoute(app, { processing, shutdown, catalog, idempotencyTtlMs: config.http.idempotency_ttl });
  registerTranscriptRoutes(app, { catalog });
  registerInferenceRoutes(app, { catalog, maxPageSize });
}
