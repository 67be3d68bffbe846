import { nodeTimers, type ThrottleTimers } from "./throttle-timers.ts";
import type { TokenStore } from "./token-stores.ts";

/** A place in the token budget's line: resolves once the charge is taken; cancel() leaves the line at once. */
export interface TokenTicket {
  readonly promise: Promise<void>;
  cancel(): void;
}

export interface TokenBudgetOptions {
  /** Longest pause between two attempts of the waiting head (other replicas may refund or take meanwhile); default 250 ms. */
  readonly maxPollMs?: number | undefined;
  /** Store failures (Redis down or slow); every waiter is rejected with the error this returns. */
  readonly unavailable: (cause: unknown) => Error;
  /** A failed adjust/release (the budget carries on); for logging. */
  readonly onError?: ((error: unknown) => void) | undefined;
  readonly timers?: ThrottleTimers | undefined;
}

interface Waiter {
  readonly charge: number;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
  /** Left the line: taken, cancelled or failed. */
  done: boolean;
}

/**
 * An endpoint's token budget: a FIFO line in front of a TokenStore. Only the head of the line
 * asks the store; it waits exactly as long as the store says its charge needs (at most
 * maxPollMs between asks), so calls start in arrival order and a large charge is not
 * overtaken by small ones. A cancelled waiter leaves the line at once and costs nothing.
 */
export class TokenBudget {
  private readonly line: Waiter[] = [];
  private readonly maxPollMs: number;
  private readonly timers: ThrottleTimers;
  private timer: unknown = undefined;
  private pumping = false;
  private pumpAgain = false;
  /** The store may hold a claim for our head (RedisTokenStore); released when the line empties. */
  private claiming = false;

  constructor(
    private readonly store: TokenStore,
    private readonly options: TokenBudgetOptions,
  ) {
    this.maxPollMs = options.maxPollMs ?? 250;
    this.timers = options.timers ?? nodeTimers;
  }

  /** Joins the line for `charge` tokens (already clamped to the capacity by the caller). */
  acquire(charge: number): TokenTicket {
    let waiter!: Waiter;
    const promise = new Promise<void>((resolve, reject) => {
      waiter = { charge, resolve, reject, done: false };
    });
    this.line.push(waiter);
    if (this.line.length === 1) this.kick();
    return {
      promise,
      cancel: () => {
        if (waiter.done) return;
        waiter.done = true;
        this.remove(waiter);
        // The head may have changed: the next one gets its own answer now.
        this.kick();
      },
    };
  }

  /** Positive: charge more (the call used more than estimated); negative: refund. Never rejects. */
  async adjust(delta: number): Promise<void> {
    if (delta === 0 || !Number.isFinite(delta)) return;
    try {
      await this.store.adjust(delta);
    } catch (error) {
      this.options.onError?.(error);
    }
    if (delta < 0) this.kick();
  }

  /** The tokens the budget holds now. */
  currentTokens(): Promise<number> {
    return this.store.currentTokens();
  }

  /** Rejects every waiter with `error` (Redis went away, or the throttle stopped). */
  failAll(error: Error): void {
    const waiters = this.line.splice(0);
    this.clearTimer();
    for (const waiter of waiters) {
      if (waiter.done) continue;
      waiter.done = true;
      waiter.reject(error);
    }
    this.releaseClaim();
  }

  /** Waiters in the line. */
  get waiting(): number {
    return this.line.length;
  }

  private remove(waiter: Waiter): void {
    const index = this.line.indexOf(waiter);
    if (index >= 0) this.line.splice(index, 1);
  }

  private kick(): void {
    this.clearTimer();
    void this.pump();
  }

  private async pump(): Promise<void> {
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = true;
    try {
      await this.serveHead();
    } finally {
      this.pumping = false;
      if (this.pumpAgain) {
        this.pumpAgain = false;
        this.kick();
      }
    }
  }

  /** Serves heads while the store has their tokens; then arms a timer for the next try. */
  private async serveHead(): Promise<void> {
    for (;;) {
      const head = this.line[0];
      if (head === undefined) {
        this.releaseClaim();
        return;
      }
      let result;
      try {
        result = await this.store.take(head.charge);
      } catch (error) {
        this.failAll(this.options.unavailable(error));
        return;
      }
      if (head.done) {
        // Cancelled while its take was in flight: give back what it got, and serve the next.
        if (result.taken) await this.adjust(-head.charge);
        continue;
      }
      if (result.taken) {
        head.done = true;
        this.remove(head);
        this.claiming = false;
        head.resolve();
        continue;
      }
      this.claiming = true;
      this.arm(Math.min(this.maxPollMs, Math.max(1, Math.ceil(result.waitMs))));
      return;
    }
  }

  private arm(delayMs: number): void {
    this.clearTimer();
    this.timer = this.timers.set(
      () => {
        this.timer = undefined;
        void this.pump();
      },
      delayMs,
      true,
    );
  }

  private clearTimer(): void {
    if (this.timer !== undefined) this.timers.clear(this.timer);
    this.timer = undefined;
  }

  private releaseClaim(): void {
    if (!this.claiming) return;
    this.claiming = false;
    this.store.release().catch((error: unknown) => this.options.onError?.(error));
  }
}
