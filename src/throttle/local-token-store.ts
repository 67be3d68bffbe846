import { TOKEN_EPSILON, type TakeResult, type TokenStore } from "./token-store.ts";

/**
 * An in-process token budget. Like LocalRequestLimiter's request bucket, the level is derived
 * from the clock, not from timer ticks: every read first adds (elapsed ms × tokensPerMinute /
 * 60000), capped at the capacity, so a late timer never loses tokens and the long-run rate is exact.
 */
export class LocalTokenStore implements TokenStore {
  private readonly capacity: number;
  private readonly perMs: number;
  private level: number;
  private at: number;

  constructor(
    tokensPerMinute: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.capacity = tokensPerMinute;
    this.perMs = tokensPerMinute / 60_000;
    this.level = this.capacity;
    this.at = now();
  }

  async take(charge: number): Promise<TakeResult> {
    this.refill();
    if (this.level + TOKEN_EPSILON >= charge) {
      this.level -= charge;
      return { taken: true };
    }
    return { taken: false, waitMs: (charge - this.level) / this.perMs };
  }

  async adjust(delta: number): Promise<void> {
    this.refill();
    this.level = Math.min(this.capacity, this.level - delta);
  }

  async release(): Promise<void> {}

  async currentTokens(): Promise<number> {
    return this.currentLevel();
  }

  /** The current level (for tests and debugging). */
  currentLevel(): number {
    this.refill();
    return this.level;
  }

  private refill(): void {
    const now = this.now();
    if (now > this.at) this.level = Math.min(this.capacity, this.level + (now - this.at) * this.perMs);
    this.at = now;
  }
}
