import type { CapabilityConfig, EndpointConfig, GroupConfig, ModelRegistryConfig } from "../config/config-schema.ts";

export type RouteSource = "capability" | "endpoint" | "group" | "alias" | "default";

/** One step of a route: an endpoint, or a deployment group whose order each request decides. */
export type RouteTarget = { readonly kind: "endpoint"; readonly name: string } | { readonly kind: "group"; readonly name: string };

/** Where a request goes: targets in the order to try them (first is primary). */
export interface Route {
  readonly requested: string;
  readonly source: RouteSource;
  readonly targets: readonly RouteTarget[];
  /** Every endpoint the targets can reach, groups in config order (for views and labels, not for routing). */
  readonly endpoints: readonly string[];
  readonly capability?: CapabilityConfig;
}

/**
 * Resolution in the documented order: capability chain → exact endpoint → deployment group →
 * alias → default (aliases, capability chains and the default may name groups). Returns undefined when nothing matches; the caller turns that into an
 * E_MODEL_UNKNOWN response, never an exception. Routes are computed once per name.
 */
export class ModelRegistry {
  private readonly routes = new Map<string, Route | undefined>();
  private longest: number | undefined;

  constructor(readonly config: ModelRegistryConfig) {}

  endpoint(name: string): EndpointConfig | undefined {
    return Object.hasOwn(this.config.endpoints, name) ? this.config.endpoints[name] : undefined;
  }

  group(name: string): GroupConfig | undefined {
    return Object.hasOwn(this.config.groups, name) ? this.config.groups[name] : undefined;
  }

  endpointNames(): string[] {
    return Object.keys(this.config.endpoints);
  }

  /** The longest `request_timeout` or capability `timeout` configured (0 when none is). */
  longestTimeoutMs(): number {
    this.longest ??= Math.max(
      0,
      ...Object.values(this.config.endpoints).map((endpoint) => endpoint.request_timeout ?? 0),
      ...Object.values(this.config.capabilities).map((capability) => capability.timeout ?? 0),
    );
    return this.longest;
  }

  resolve(model: string): Route | undefined {
    if (this.routes.has(model)) return this.routes.get(model);
    const route = this.compute(model);
    this.routes.set(model, route);
    return route;
  }

  private compute(model: string): Route | undefined {
    const { capabilities, model_aliases: aliases, defaults } = this.config;
    if (model !== "" && Object.hasOwn(capabilities, model)) {
      const capability = capabilities[model] as CapabilityConfig;
      const names = [...new Set([...capability.preferred, ...capability.fallback])];
      return this.route(model, "capability", names, capability);
    }
    if (model !== "" && this.endpoint(model)) return this.route(model, "endpoint", [model]);
    if (model !== "" && this.group(model)) return this.route(model, "group", [model]);
    if (model !== "" && Object.hasOwn(aliases, model)) return this.route(model, "alias", [aliases[model] as string]);
    const fallback = defaults.model;
    if (fallback === undefined) return undefined;
    const target = Object.hasOwn(aliases, fallback) ? (aliases[fallback] as string) : fallback;
    return this.route(model, "default", [target]);
  }

  /** A route over endpoint and group names; a capability that requires tools keeps only endpoints that support them. */
  private route(requested: string, source: RouteSource, names: readonly string[], capability?: CapabilityConfig): Route {
    const toolsOnly = capability?.requires_tools === true;
    const targets = names.map((name): RouteTarget => (this.group(name) ? { kind: "group", name } : { kind: "endpoint", name }));
    const reachable = targets.flatMap((target) =>
      target.kind === "group" ? (this.group(target.name)?.deployments ?? []).map((deployment) => deployment.endpoint) : [target.name],
    );
    const endpoints = [...new Set(reachable)].filter((name) => !toolsOnly || this.endpoint(name)?.supports_tools === true);
    const kept = targets.filter((target) => target.kind === "group" || endpoints.includes(target.name));
    return { requested, source, targets: kept, endpoints, ...(capability ? { capability } : {}) };
  }

  /** Whether a capability route keeps this endpoint (requires_tools filters deployments of its groups too). */
  admits(route: Route, endpoint: string): boolean {
    return route.endpoints.includes(endpoint);
  }
}
