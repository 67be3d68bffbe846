import type { FastifyInstance } from "fastify";
import type { Registry } from "prom-client";
import type { ModelbusConfig } from "../../config/config-schema.ts";
import type { ProcessDependencies } from "../../pipeline/process-request.ts";
import type { CatalogStore } from "../../store/catalog-store.ts";
import { registerAdminRoutes, type ReadinessCheck } from "./admin-routes.ts";
import { registerAgentRoutes } from "./agent-routes.ts";
import { registerChatCompletionsRoute } from "./chat-completions-route.ts";
import { registerConversationRoutes } from "./conversation-routes.ts";
import { registerEndpointRoutes } from "./endpoint-routes.ts";
import { refuseWhileDraining, type HttpDrain } from "./http-server.ts";
import { registerBearerAuth } from "./register-bearer-auth.ts";
import { registerSessionMessageRoute } from "./session-message-route.ts";
import { registerSessionRoutes } from "./session-routes.ts";
import { registerTranscriptRoutes } from "./transcript-routes.ts";

export interface HttpRouteDependencies {
  readonly config: ModelbusConfig;
  /** undefined: no key configured (allowed on loopback only), routes are open. */
  readonly apiKey: string | undefined;
  readonly processing: ProcessDependencies;
  readonly metricsRegistry: Registry;
  readonly readiness: readonly ReadinessCheck[];
  /** undefined when the store is disabled: the catalog and session routes are not served. */
  readonly catalog: CatalogStore | undefined;
  readonly onAgentsChanged: () => void;
  /** The door's shutdown: new requests refused while it drains, running ones cancelled at its deadline. */
  readonly drain: HttpDrain;
}

/** Every HTTP route, behind bearer auth (registered first, so it covers all of them and unknown paths). */
export function registerHttpRoutes(app: FastifyInstance, dependencies: HttpRouteDependencies): void {
  const { config, processing, catalog } = dependencies;
  const { pipeline } = processing;
  const maxPageSize = config.http.max_page_size;
  const shutdown = dependencies.drain.signal;
  refuseWhileDraining(app, dependencies.drain);
  if (dependencies.apiKey !== undefined) registerBearerAuth(app, { apiKey: dependencies.apiKey, openPaths: ["/healthz"] });
  registerAdminRoutes(app, { registry: dependencies.metricsRegistry, checks: dependencies.readiness });
  registerEndpointRoutes(app, {
    registryConfig: config.model_registry,
    throttles: pipeline.throttles,
    breakers: pipeline.breakers,
    router: pipeline.router,
    rateLimits: pipeline.rateLimits,
    startedAt: Date.now(),
  });
  registerChatCompletionsRoute(app, { processing, shutdown });
  if (!catalog) return;
  registerAgentRoutes(app, { agents: catalog.agents, registry: pipeline.registry, maxPageSize, onAgentsChanged: dependencies.onAgentsChanged, budgets: pipeline.budgets });
  registerConversationRoutes(app, { catalog, maxPageSize });
  registerSessionRoutes(app, { catalog, registry: pipeline.registry, maxPageSize, budgets: pipeline.budgets });
  registerSessionMessageRoute(app, { processing, shutdown, catalog, idempotencyTtlMs: config.http.idempotency_ttl });
  registerTranscriptRoutes(app, { catalog });
}
