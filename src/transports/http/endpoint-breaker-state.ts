import type { BreakerRegistry } from "../../registry/breaker-registry.ts";
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
