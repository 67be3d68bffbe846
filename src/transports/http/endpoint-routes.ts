import type { FastifyInstance } from "fastify";
import type { ModelRegistryConfig } from "../../config/config-schema.ts";
import type { BreakerRegistry } from "../../registry/breaker-registry.ts";
import type { ThrottleRegistry } from "../../throttle/throttle-registry.ts";
import { endpointBreakerState, healthOf, type EndpointHealth } from "./endpoint-breaker-state.ts";

export interface EndpointRouteDependencies {
  readonly registryConfig: ModelRegistryConfig;
  readonly throttles: ThrottleRegistry;
  readonly breakers: BreakerRegistry;
  readonly startedAt: number;
}

function capabilityHealth(healths: readonly EndpointHealth[]): EndpointHealth {
  if (healths.every((health) => health === "healthy")) return "healthy";
  return healths.some((health) => health !== "unavailable") ? "degraded" : "unavailable";
}

/**
 * GET /v1/models: every name a client may send as `model` (endpoints, aliases,
 * capabilities) in OpenAI's list shape, with health. GET /v1/endpoints: the operator's
 * view of each endpoint's throttle queue, calls in flight and breaker.
 */
export function registerEndpointRoutes(app: FastifyInstance, dependencies: EndpointRouteDependencies): void {
  const { registryConfig: config, throttles, breakers } = dependencies;
  const created = Math.floor(dependencies.startedAt / 1_000);
  const endpointHealth = (name: string) => healthOf(endpointBreakerState(breakers, name));
  const base = (id: string) => ({ id, object: "model", created, owned_by: "modelbus" });

  app.get("/v1/models", async () => ({
    object: "list",
    data: [
      ...Object.entries(config.endpoints).map(([name, endpoint]) => ({
        ...base(name),
        kind: "endpoint",
        provider: endpoint.provider,
        provider_model: endpoint.model,
        health: endpointHealth(name),
      })),
      ...Object.entries(config.model_aliases).map(([name, target]) => ({ ...base(name), kind: "alias", target, health: endpointHealth(target) })),
      ...Object.entries(config.capabilities).map(([name, capability]) => {
        const endpoints = [...new Set([...capability.preferred, ...capability.fallback])];
        return { ...base(name), kind: "capability", endpoints, health: capabilityHealth(endpoints.map(endpointHealth)) };
      }),
    ],
  }));

  app.get("/v1/endpoints", async () => {
    const stats = throttles.stats();
    return {
      data: Object.entries(config.endpoints).map(([name, endpoint]) => ({
        name,
        provider: endpoint.provider,
        model: endpoint.model,
        queue_depth: stats[name]?.queued ?? 0,
        in_flight: stats[name]?.running ?? 0,
        breaker: endpointBreakerState(breakers, name),
        limits: { requests_per_minute: endpoint.requests_per_minute, max_concurrent: endpoint.max_concurrent, max_queue: endpoint.max_queue },
      })),
    };
  });
}
