import type { ModelRegistryConfig } from "./config-schema.ts";

export interface ConfigProblem {
  readonly path: string;
  readonly message: string;
}

/**
 * Rules that span several entries of the registry and so cannot live in the per-field
 * schema: alias targets exist and do not chain, groups hold endpoints (once each, no groups),
 * capability chains and defaults point at real endpoints, groups and capabilities.
 */
export function checkRegistryReferences(registry: ModelRegistryConfig): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const endpoints = registry.endpoints;
  const isEndpoint = (name: string) => Object.hasOwn(endpoints, name);
  const isGroup = (name: string) => Object.hasOwn(registry.groups, name);
  /** Where a model name may go: one endpoint, or a group of them. */
  const isTarget = (name: string) => isEndpoint(name) || isGroup(name);
  const targetEndpoints = (name: string) => (isGroup(name) ? (registry.groups[name]?.deployments ?? []).map((deployment) => deployment.endpoint) : [name]);

  for (const [name, endpoint] of Object.entries(endpoints)) {
    const at = `model_registry.endpoints.${name}`;
    if (endpoint.burst !== undefined && endpoint.requests_per_minute === 0) {
      problems.push({ path: `${at}.burst`, message: "only meaningful with requests_per_minute > 0" });
    }
  }

  for (const [name, group] of Object.entries(registry.groups)) {
    const at = `model_registry.groups.${name}`;
    if (isEndpoint(name)) problems.push({ path: at, message: `"${name}" is already an endpoint name` });
    if (Object.hasOwn(registry.capabilities, name)) problems.push({ path: at, message: `"${name}" is already a capability name` });
    const seen = new Set<string>();
    group.deployments.forEach(({ endpoint }, index) => {
      const path = `${at}.deployments.${index}`;
      if (isGroup(endpoint)) problems.push({ path, message: `"${endpoint}" is a group: a deployment is an endpoint (groups do not nest)` });
      else if (!isEndpoint(endpoint)) problems.push({ path, message: `unknown endpoint "${endpoint}"` });
      if (seen.has(endpoint)) problems.push({ path, message: `endpoint "${endpoint}" is listed twice` });
      seen.add(endpoint);
    });
  }

  for (const [alias, target] of Object.entries(registry.model_aliases)) {
    const at = `model_registry.model_aliases.${alias}`;
    if (target === "") problems.push({ path: at, message: "alias target must not be empty" });
    else if (Object.hasOwn(registry.model_aliases, target)) {
      problems.push({ path: at, message: `alias "${alias}" points at alias "${target}": aliases cannot chain` });
    } else if (!isTarget(target)) problems.push({ path: at, message: `alias target "${target}" is not an endpoint or group` });
    if (isEndpoint(alias)) problems.push({ path: at, message: `"${alias}" is already an endpoint name` });
    if (isGroup(alias)) problems.push({ path: at, message: `"${alias}" is already a group name` });
  }

  for (const [name, capability] of Object.entries(registry.capabilities)) {
    const at = `model_registry.capabilities.${name}`;
    for (const [list, names] of [
      ["preferred", capability.preferred],
      ["fallback", capability.fallback],
    ] as const) {
      names.forEach((target, index) => {
        if (!isTarget(target)) problems.push({ path: `${at}.${list}.${index}`, message: `unknown endpoint or group "${target}"` });
      });
    }
    if (capability.requires_tools) {
      const chain = [...capability.preferred, ...capability.fallback].flatMap(targetEndpoints);
      if (!chain.some((target) => endpoints[target]?.supports_tools === true)) {
        problems.push({ path: at, message: "requires_tools but no endpoint in its chain supports tools" });
      }
    }
  }

  const defaultModel = registry.defaults.model;
  if (defaultModel !== undefined && !isTarget(defaultModel) && !Object.hasOwn(registry.model_aliases, defaultModel)) {
    problems.push({ path: "model_registry.defaults.model", message: `unknown endpoint, group or alias "${defaultModel}"` });
  }
  const defaultCapability = registry.defaults.capability;
  if (defaultCapability !== undefined && !Object.hasOwn(registry.capabilities, defaultCapability)) {
    problems.push({ path: "model_registry.defaults.capability", message: `unknown capability "${defaultCapability}"` });
  }
  return problems;
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === "http:" || url.protocol === "https:";
  } catch {
    return false;
  }
}

/**
 * What loads, as it does in semstreams, but cannot work as written: logged once at start,
 * naming the endpoint. A key env var that is not set means no Authorization header (local
 * models need none); a placeholder URL ("CHANGE_ME") makes every call to that endpoint fail.
 */
export function registryWarnings(registry: ModelRegistryConfig, env: NodeJS.ProcessEnv): ConfigProblem[] {
  const warnings: ConfigProblem[] = [];
  for (const [name, endpoint] of Object.entries(registry.endpoints)) {
    const at = `model_registry.endpoints.${name}`;
    if (endpoint.api_key_env !== undefined && !env[endpoint.api_key_env]) {
      warnings.push({
        path: `${at}.api_key_env`,
        message: `environment variable ${endpoint.api_key_env} is not set: endpoint "${name}" is called without an Authorization header`,
      });
    }
    if (endpoint.url !== undefined && !isHttpUrl(endpoint.url)) {
      warnings.push({ path: `${at}.url`, message: `"${endpoint.url}" is not an http(s) URL: every call to endpoint "${name}" fails` });
    }
  }
  return warnings;
}
