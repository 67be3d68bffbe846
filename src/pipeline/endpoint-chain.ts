import type { ModelRegistry, Route } from "../registry/model-registry.ts";

/** One endpoint to try, with the route that led to it (its capability sets the timeout). */
export interface ChainLink {
  readonly endpointName: string;
  readonly route: Route;
}

/** The request's route, then each fallback model's route, without repeating an endpoint. */
export function endpointChain(registry: ModelRegistry, model: string, fallbackModels: readonly string[]): ChainLink[] {
  const links: ChainLink[] = [];
  const seen = new Set<string>();
  for (const name of [model, ...fallbackModels]) {
    const route = registry.resolve(name);
    if (!route) continue;
    for (const endpointName of route.endpoints) {
      if (seen.has(endpointName)) continue;
      seen.add(endpointName);
      links.push({ endpointName, route });
    }
  }
  return links;
}
