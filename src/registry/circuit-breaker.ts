export type BreakerState = "closed" | "open" | "half_open";

export interface BreakerOptions {
  /** Outcomes remembered (rolling). */
  readonly window: number;
  /** Outcomes needed before the breaker may open. */
  readonly minCalls: number;
  /** Opens when the failed share of the window is above this. */
  readonly failureRatio: number;
  readonly cooldownMs: number;
  readonly now: () => number;
}

/**
 * One endpoint's breaker: a rolling window of outcomes; above the failure ratio (after a
 * minimum of calls) it opens for the cooldown, then lets exactly one probe through
 * (half-open) whose outcome closes it again or re-opens it.
 */
export class CircuitBreaker {
  private readonly outcomes: boolean[] = [];
  private openUntil = 0;
  private current: BreakerState = "closed";
  private probeInFlight = false;

  constructor(
    private readonly options: BreakerOptions,
    private readonly onChange: (state: BreakerState) => void = () => undefined,
  ) {}

  state(): BreakerState {
    if (this.current === "open" && this.options.now() >= this.openUntil) this.transition("half_open");
    return this.current;
  }

  /** Whether a call may go now; in half-open, only the first caller gets the probe. */
  tryAcquire(): boolean {
    const state = this.state();
    if (state === "closed") return true;
    if (state === "open" || this.probeInFlight) return false;
    this.probeInFlight = true;
    return true;
  }

  /** Milliseconds until an open breaker lets a probe through (0 when not open). */
  retryInMs(): number {
    return this.state() === "open" ? Math.max(0, this.openUntil - this.options.now()) : 0;
  }

  record(success: boolean): void {
    if (this.current === "half_open") {
      this.probeInFlight = false;
      this.outcomes.length = 0;
      if (success) this.transition("closed");
      else this.open(this.options.cooldownMs);
      return;
    }
    this.outcomes.push(success);
    if (this.outcomes.length > this.options.window) this.outcomes.shift();
    if (this.current !== "closed" || this.outcomes.length < this.options.minCalls) return;
    const failures = this.outcomes.filter((outcome) => !outcome).length;
    if (failures / this.outcomes.length > this.options.failureRatio) this.open(this.options.cooldownMs);
  }

  /** A probe ended without an outcome that says anything about the endpoint: let the next one go. */
  releaseProbe(): void {
    this.probeInFlight = false;
  }

  /** Takes the endpoint out of rotation for at least `ms` (a provider asked for a long pause). */
  coolDown(ms: number): void {
    this.open(Math.max(ms, this.current === "open" ? this.openUntil - this.options.now() : 0));
  }

  private open(ms: number): void {
    this.openUntil = this.options.now() + ms;
    this.outcomes.length = 0;
    this.probeInFlight = false;
    this.transition("open");
  }

  private transition(state: BreakerState): void {
    if (state === this.current) return;
    this.current = state;
    this.onChange(state);
  }
}
