import type { ModelRegistry } from "../../registry/model-registry.ts";

/**
 * The names among `models` the registry cannot resolve by themselves: not a capability,
 * endpoint or alias. A name that only reaches `defaults.model` counts as unsupported,
 * since the catch-all would answer it with some other model.
 */
export function unsupportedModels(registry: ModelRegistry, models: readonly (string | null)[]): string[] {
  const names = models.filter((name): name is string => name !== null && name !== "");
  return [...new Set(names)].filter((name) => {
    const route = registry.resolve(name);
    return route === undefined || route.source === "default";
  });
}
