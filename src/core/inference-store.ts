import type { AgentRequest } from "./agent-request.ts";
import type { AgentResponse } from "./agent-response.ts";
import type { AgentSettings, SessionSettings } from "./governance.ts";

/** A claimed request: what `complete` needs to write its outcome in one transaction. */
export interface InferenceTicket {
  readonly requestId: string;
  readonly inferenceId: string;
  readonly owner: string;
  readonly request: AgentRequest;
  readonly agentId: string | undefined;
}

export type BeginOutcome =
  /** This process owns the request now; call the model. */
  | { readonly kind: "claimed"; readonly ticket: InferenceTicket; readonly agent?: AgentSettings; readonly session?: SessionSettings }
  /** Answered before: publish this response again, do not call the model. */
  | { readonly kind: "completed"; readonly response: AgentResponse }
  /** Another process is working on it under a live lease: try again later. */
  | { readonly kind: "busy"; readonly retryAfterMs: number };

/**
 * Which delivery of which message is asking (the NATS door: `<stream>:<stream sequence>` and
 * JetStream's delivery count), so a claim made by an earlier delivery of the same message is
 * known to be abandoned when the message comes back.
 */
export interface DeliveryIdentity {
  readonly source: string;
  readonly attempt: number;
}

export interface CompleteInput {
  readonly ticket: InferenceTicket;
  readonly response: AgentResponse;
  readonly wireForm: string;
  readonly costPerMillion: { readonly input: number; readonly output: number };
}

/** The answer the store holds for a request once its outcome is written. */
export interface StoredAnswer {
  readonly response: AgentResponse;
  /**
   * True when another process had answered the request first (possible only if the claims
   * were lost, see docs/persistence.md, "Claims and idempotency"): `response` is that stored answer, not
   * the one this process got from the model.
   */
  readonly answeredBefore: boolean;
}

/**
 * The port persistence offers the pipeline. Failures throw ModelbusError
 * E_STORE_UNAVAILABLE; the door then hands the delivery back for later.
 */
export interface BeginOptions {
  readonly leaseMs: number;
  readonly delivery?: DeliveryIdentity | undefined;
  /**
   * The request_id was made for this request by this process (an HTTP request without a
   * client id): nobody else can hold it, and nothing can come back with it, so no claim is
   * written (one round trip less); its outcome is stored as any other.
   */
  readonly freshId?: boolean | undefined;
}

export interface InferenceStore {
  begin(request: AgentRequest, options: BeginOptions): Promise<BeginOutcome>;
  /** Writes the outcome; resolves with the answer to publish (see StoredAnswer). */
  complete(input: CompleteInput): Promise<StoredAnswer>;
  /** Gives up a claim (shutdown) so another process may take the request at once. */
  release(ticket: InferenceTicket): Promise<void>;
  ping(): Promise<boolean>;
  close(): Promise<void>;
}
