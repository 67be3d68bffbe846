import type { FastifyInstance } from "fastify";
import type { ModelRegistryConfig } from "../../config/config-schema.ts";
import type { EndpointWindowStats } from "../../observability/endpoint-window-stats.ts";
import type { ProviderRateLimits } from "../../providers/provider-rate-limits.ts";
import type { BreakerRegistry } from "../../registry/breaker-registry.ts";
import type { DeploymentRouter } from "../../registry/deployment-router.ts";
import type { ThrottleRegistry } from "../../throttle/throttle-registry.ts";
import type { BreakerState } from "../../registry/circuit-breaker.ts";

/**
 * The one place the HTTP views (/v1/endpoints, /v1/models) learn an endpoint's breaker
 * state: the pipeline's breaker registry (an endpoint never called yet, or breakers
 * disabled, is "closed").
 */
export function endpointBreakerState(breakers: BreakerRegistry, endpointName: string): BreakerState {
  return breakers.state(endpointName);
}

export type EndpointHealth = "healthy" | "degraded" | "unavailable";

export function healthOf(state: BreakerState): EndpointHealth {
  return state === "closed" ? "healthy" : state === "half_open" ? "degraded" : "unavailable";
}

export interface EndpointRouteDependencies {
  readonly registryConfig: ModelRegistryConfig;
  readonly throttles: ThrottleRegistry;
  readonly breakers: BreakerRegistry;
  readonly router: DeploymentRouter;
  readonly rateLimits: ProviderRateLimits;
  /** Each endpoint's recent latency and error rate (this process's). */
  readonly recent: EndpointWindowStats;
  readonly startedAt: number;
}

/** Whole requests and tokens left; null for a limit the endpoint does not have (or Redis does not answer for). */
const whole = (value: number | undefined) => (value === undefined ? null : Math.floor(value));

function capabilityHealth(healths: readonly EndpointHealth[]): EndpointHealth {
  if (healths.every((health) => health === "healthy")) return "healthy";
  return healths.some((health) => health !== "unavailable") ? "degraded" : "unavailable";
}

/**
 * GET /v1/models: every name a client may send as `model` (endpoints, deployment groups,
 * aliases, capabilities) in OpenAI's list shape, with health. GET /v1/endpoints: the operator's
 * view of each endpoint's throttle queue, calls in flight, breaker, 429 cool-down, what its own
 * request and token budgets have left, its last five minutes (latency, errors) and the rate
 * limits its provider last reported, and of each group.
 */
export function registerEndpointRoutes(app: FastifyInstance, dependencies: EndpointRouteDependencies): void {
  const created = Math.floor(dependencies.startedAt / 1_000);
  const base = (id: string) => ({ id, object: "model", created, owned_by: "modelbus" });
  // Read per call: a config reload replaces the registry and its parts.
  const parts = () => {
    const { registryConfig: config, breakers } = dependencies;
    const groupEndpoints = (name: string) => (config.groups[name]?.deployments ?? []).map((deployment) => deployment.endpoint);
    const endpointHealthOf = (name: string): EndpointHealth => healthOf(endpointBreakerState(breakers, name));
    const targetHealth = (name: string) =>
      Object.hasOwn(config.groups, name) ? capabilityHealth(groupEndpoints(name).map(endpointHealthOf)) : endpointHealthOf(name);
    return { ...dependencies, config, groupEndpoints, endpointHealthOf, targetHealth };
  };

  app.get("/v1/models", async () => {
    const { config, groupEndpoints, endpointHealthOf, targetHealth } = parts();
    return {
      object: "list",
      data: [
        ...Object.entries(config.endpoints).map(([name, endpoint]) => ({
          ...base(name),
          kind: "endpoint",
          provider: endpoint.provider,
          provider_model: endpoint.model,
          health: endpointHealthOf(name),
        })),
        ...Object.entries(config.groups).map(([name, group]) => ({
          ...base(name),
          kind: "group",
          strategy: group.strategy,
          deployments: group.deployments,
          health: capabilityHealth(groupEndpoints(name).map(endpointHealthOf)),
        })),
        ...Object.entries(config.model_aliases).map(([name, target]) => ({ ...base(name), kind: "alias", target, health: targetHealth(target) })),
        ...Object.entries(config.capabilities).map(([name, capability]) => {
          const targets = [...new Set([...capability.preferred, ...capability.fallback])];
          const endpoints = [...new Set(targets.flatMap((target) => (Object.hasOwn(config.groups, target) ? groupEndpoints(target) : [target])))];
          return {
            ...base(name),
            kind: "capability",
            endpoints,
            ...(targets.some((target) => Object.hasOwn(config.groups, target)) ? { targets } : {}),
            health: capabilityHealth(endpoints.map(endpointHealthOf)),
          };
        }),
      ],
    };
  });

  app.get("/v1/endpoints", async () => {
    const { config, throttles, breakers, router, rateLimits, recent, endpointHealthOf } = parts();
    const stats = throttles.stats();
    const endpoints = Object.entries(config.endpoints);
    const endpointThrottles = endpoints.map(([name]) => throttles.for(name));
    const remaining = await Promise.all(endpointThrottles.map((throttle) => throttle.remaining()));
    return {
      data: endpoints.map(([name, endpoint], index) => ({
        name,
        provider: endpoint.provider,
        model: endpoint.model,
        health: endpointHealthOf(name),
        queue_depth: stats[name]?.queued ?? 0,
        in_flight: stats[name]?.running ?? 0,
        breaker: endpointBreakerState(breakers, name),
        available: router.available(name),
        limits: {
          requests_per_minute: endpoint.requests_per_minute,
          // The request bucket's capacity: what `remaining.requests` is out of.
          burst: endpointThrottles[index]?.limits.bucket?.burst ?? 0,
          tokens_per_minute: endpoint.tokens_per_minute,
          max_concurrent: endpoint.max_concurrent,
          max_queue: endpoint.max_queue,
        },
        remaining: { requests: whole(remaining[index]?.requests), tokens: whole(remaining[index]?.tokens) },
        recent: recent.view(name),
        ...(rateLimits.view(name) ? { provider_limits: rateLimits.view(name) } : {}),
      })),
      groups: Object.entries(config.groups).map(([name, group]) => ({ name, strategy: group.strategy, deployments: group.deployments })),
    };
  });
}
