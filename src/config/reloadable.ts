import type { ModelbusConfig } from "./config-schema.ts";

/**
 * What a config reload can change while the service runs: the model registry (endpoints,
 * groups, aliases, capabilities, defaults), retries, budgets, the request timeouts and the log
 * level. Everything else is wired into connections, servers and streams at start, and takes a
 * restart.
 */
const reloadableSections = ["model_registry", "retry", "budgets"] as const;
const reloadableServiceKeys = ["timeout", "first_token_timeout", "log_level"] as const;

/** The leaf paths where two values differ (`a.b.c`), arrays compared whole. */
function differences(before: unknown, after: unknown, path: string): string[] {
  if (JSON.stringify(before) === JSON.stringify(after)) return [];
  const isObject = (value: unknown) => value !== null && typeof value === "object" && !Array.isArray(value);
  if (!isObject(before) || !isObject(after)) return [path];
  const keys = new Set([...Object.keys(before as object), ...Object.keys(after as object)]);
  return [...keys]
    .sort()
    .flatMap((key) => differences((before as Record<string, unknown>)[key], (after as Record<string, unknown>)[key], path === "" ? key : `${path}.${key}`));
}

/** The next config as it takes effect: its reloadable parts over what the running service keeps. */
export function applyReloadable(current: ModelbusConfig, next: ModelbusConfig): ModelbusConfig {
  const service = { ...current.service };
  for (const key of reloadableServiceKeys) (service as Record<string, unknown>)[key] = next.service[key];
  const sections = Object.fromEntries(reloadableSections.map((section) => [section, next[section]]));
  return { ...current, ...sections, service };
}

/** The keys that changed but cannot change at runtime (they wait for a restart): where what takes effect differs from what was asked. */
export function restartRequired(current: ModelbusConfig, next: ModelbusConfig): string[] {
  return differences(applyReloadable(current, next), next, "");
}

/** Endpoints whose definition changed or that went away: their breaker history is forgotten. */
export function changedEndpoints(current: ModelbusConfig, next: ModelbusConfig): string[] {
  const before = current.model_registry.endpoints;
  const after = next.model_registry.endpoints;
  return Object.keys(before).filter((name) => JSON.stringify(before[name]) !== JSON.stringify(after[name]));
}
