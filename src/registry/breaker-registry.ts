import type { ModelbusConfig } from "../config/config-schema.ts";
import type { Metrics } from "../observability/metrics.ts";
import { CircuitBreaker, type BreakerOptions, type BreakerState } from "./circuit-breaker.ts";

/** One breaker per endpoint name, created on first use; disabled means always closed. */
export class BreakerRegistry {
  private readonly breakers = new Map<string, CircuitBreaker>();

  constructor(
    private readonly options: BreakerOptions & { readonly enabled: boolean },
    private readonly onChange: (endpoint: string, state: BreakerState) => void = () => undefined,
  ) {}

  get enabled(): boolean {
    return this.options.enabled;
  }

  for(endpoint: string): CircuitBreaker {
    let breaker = this.breakers.get(endpoint);
    if (!breaker) {
      breaker = new CircuitBreaker(this.options, (state) => this.onChange(endpoint, state));
      this.breakers.set(endpoint, breaker);
    }
    return breaker;
  }

  /** An endpoint whose definition changed (a config reload): its history says nothing of the new one. */
  forget(endpoint: string): void {
    this.breakers.delete(endpoint);
  }

  state(endpoint: string): BreakerState {
    return this.breakers.get(endpoint)?.state() ?? "closed";
  }
}

/** One breaker per endpoint of the config; each state change is mirrored in modelbus_breaker_state. */
export function breakerRegistryFromConfig(config: ModelbusConfig, metrics: Metrics, now: () => number): BreakerRegistry {
  const show = (endpoint: string, state: BreakerState) => {
    for (const candidate of ["closed", "open", "half_open"] as const) metrics.breakerState.set({ endpoint, state: candidate }, candidate === state ? 1 : 0);
    metrics.semstreams?.breakerState(endpoint, state);
  };
  for (const endpoint of Object.keys(config.model_registry.endpoints)) show(endpoint, "closed");
  const { enabled, window, min_calls: minCalls, failure_ratio: failureRatio, cooldown: cooldownMs } = config.breaker;
  return new BreakerRegistry({ enabled, window, minCalls, failureRatio, cooldownMs, now }, show);
}
