import type { DeploymentRouter } from "../registry/deployment-router.ts";
import type { ModelRegistry, Route } from "../registry/model-registry.ts";

/** One endpoint to try, with the route that led to it (its capability sets the timeout). */
export interface ChainLink {
  readonly endpointName: string;
  readonly route: Route;
  /** The deployment group it was picked from, when it was. */
  readonly group?: string;
}

/**
 * The request's route, then each fallback model's route, without repeating an endpoint; a
 * deployment group's endpoints come in the order its strategy gives for this request.
 */
export async function endpointChain(registry: ModelRegistry, router: DeploymentRouter, model: string, fallbackModels: readonly string[]): Promise<ChainLink[]> {
  const links: ChainLink[] = [];
  const seen = new Set<string>();
  for (const name of [model, ...fallbackModels]) {
    const route = registry.resolve(name);
    if (!route) continue;
    for (const target of route.targets) {
      const group = target.kind === "group" ? registry.group(target.name) : undefined;
      const endpoints = group ? await router.order(target.name, group, (endpoint) => registry.admits(route, endpoint)) : [target.name];
      for (const endpointName of endpoints) {
        if (seen.has(endpointName)) continue;
        seen.add(endpointName);
        links.push(group ? { endpointName, route, group: target.name } : { endpointName, route });
      }
    }
  }
  return links;
}
