/** A request as the floor reads it off the wire: no validation, only what it passes on. */
export interface FloorRequest {
  readonly request_id: string;
  readonly messages: unknown[];
}

/** What the floor got from the endpoint, and the response it publishes (`published`, JSON text). */
export interface FloorAnswer {
  readonly content: string;
  readonly finishReason: string;
  readonly promptTokens: number;
  readonly completionTokens: number;
  readonly published: string;
}

/**
 * Where the floor keeps what it answered. `claim` runs before the model call when the storage
 * has something to do there; what it resolves with is handed to `save`.
 */
export interface FloorStorage {
  readonly claim?: (request: FloorRequest) => Promise<unknown>;
  save(request: FloorRequest, answer: FloorAnswer, claim: unknown): Promise<void>;
}
