import type { CapabilityConfig, EndpointConfig, ModelRegistryConfig } from "../config/config-schema.ts";

export type RouteSource = "capability" | "endpoint" | "alias" | "default";

/** Where a request goes: endpoints in the order to try them (first is primary). */
export interface Route {
  readonly requested: string;
  readonly source: RouteSource;
  readonly endpoints: readonly string[];
  readonly capability?: CapabilityConfig;
}

/**
 * Resolution in the documented order: capability chain → exact endpoint → alias →
 * default. Returns undefined when nothing matches; the caller turns that into an
 * E_MODEL_UNKNOWN response, never an exception. Routes are computed once per name.
 */
export class ModelRegistry {
  private readonly routes = new Map<string, Route | undefined>();
  private longest: number | undefined;

  constructor(private readonly config: ModelRegistryConfig) {}

  endpoint(name: string): EndpointConfig | undefined {
    return Object.hasOwn(this.config.endpoints, name) ? this.config.endpoints[name] : undefined;
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
      let chain = [...capability.preferred, ...capability.fallback];
      if (capability.requires_tools) chain = chain.filter((name) => this.endpoint(name)?.supports_tools === true);
      return { requested: model, source: "capability", endpoints: [...new Set(chain)], capability };
    }
    if (model !== "" && this.endpoint(model)) return { requested: model, source: "endpoint", endpoints: [model] };
    if (model !== "" && Object.hasOwn(aliases, model)) {
      return { requested: model, source: "alias", endpoints: [aliases[model] as string] };
    }
    const fallback = defaults.model;
    if (fallback === undefined) return undefined;
    const target = Object.hasOwn(aliases, fallback) ? (aliases[fallback] as string) : fallback;
    return { requested: model, source: "default", endpoints: [target] };
  }
}
