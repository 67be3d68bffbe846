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
