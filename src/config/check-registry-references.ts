import type { ModelRegistryConfig } from "./config-schema.ts";

export interface ConfigProblem {
  readonly path: string;
  readonly message: string;
}

/**
 * Rules that span several entries of the registry and so cannot live in the per-field
 * schema: alias targets exist and do not chain, capability chains and defaults point at
 * real endpoints and capabilities.
 */
export function checkRegistryReferences(registry: ModelRegistryConfig): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const endpoints = registry.endpoints;
  const isEndpoint = (name: string) => Object.hasOwn(endpoints, name);

  for (const [name, endpoint] of Object.entries(endpoints)) {
    const at = `model_registry.endpoints.${name}`;
    if (endpoint.burst !== undefined && endpoint.requests_per_minute === 0) {
      problems.push({ path: `${at}.burst`, message: "only meaningful with requests_per_minute > 0" });
    }
  }

  for (const [alias, target] of Object.entries(registry.model_aliases)) {
    const at = `model_registry.model_aliases.${alias}`;
    if (target === "") problems.push({ path: at, message: "alias target must not be empty" });
    else if (Object.hasOwn(registry.model_aliases, target)) {
      problems.push({ path: at, message: `alias "${alias}" points at alias "${target}": aliases cannot chain` });
    } else if (!isEndpoint(target)) problems.push({ path: at, message: `alias target "${target}" is not an endpoint` });
    if (isEndpoint(alias)) problems.push({ path: at, message: `"${alias}" is already an endpoint name` });
  }

  for (const [name, capability] of Object.entries(registry.capabilities)) {
    const at = `model_registry.capabilities.${name}`;
    for (const [list, names] of [["preferred", capability.preferred], ["fallback", capability.fallback]] as const) {
      names.forEach((target, index) => {
        if (!isEndpoint(target)) problems.push({ path: `${at}.${list}.${index}`, message: `unknown endpoint "${target}"` });
      });
    }
    if (capability.requires_tools) {
      const chain = [...capability.preferred, ...capability.fallback];
      if (!chain.some((target) => endpoints[target]?.supports_tools === true)) {
        problems.push({ path: at, message: "requires_tools but no endpoint in its chain supports tools" });
      }
    }
  }

  const defaultModel = registry.defaults.model;
  if (defaultModel !== undefined && !isEndpoint(defaultModel) && !Object.hasOwn(registry.model_aliases, defaultModel)) {
    problems.push({ path: "model_registry.defaults.model", message: `unknown endpoint or alias "${defaultModel}"` });
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
      warnings.push({ path: `${at}.api_key_env`, message: `environment variable ${endpoint.api_key_env} is not set: endpoint "${name}" is called without an Authorization header` });
    }
    if (endpoint.url !== undefined && !isHttpUrl(endpoint.url)) {
      warnings.push({ path: `${at}.url`, message: `"${endpoint.url}" is not an http(s) URL: every call to endpoint "${name}" fails` });
    }
  }
  return warnings;
}
