/** What a take attempt found: the tokens were charged, or how long until they could be. */
export type TakeResult = { readonly taken: true } | { readonly taken: false; readonly waitMs: number };

/**
 * Where an endpoint's token budget lives: in this process (LocalTokenStore) or in Redis,
 * shared by every replica (RedisTokenStore). Both refill continuously at tokensPerMinute up
 * to a capacity of tokensPerMinute, computed from the time elapsed since the last change.
 */
export interface TokenStore {
  /** Charges `charge` tokens when the budget holds them; otherwise says how long to wait. */
  take(charge: number): Promise<TakeResult>;
  /** Removes `delta` tokens (positive: the call used more than charged; the level may go below 0) or gives them back (negative; never above capacity). */
  adjust(delta: number): Promise<void>;
  /** This process no longer waits: drop its claim on the next tokens, if it holds one. */
  release(): Promise<void>;
  /** The tokens the budget holds now (refilled to the clock), for a deployment group's `limit_aware`. */
  currentTokens(): Promise<number>;
}

/** Floating-point slack when comparing a continuously refilled level with a charge. */
export const TOKEN_EPSILON = 1e-6;
