import type { AgentRequest } from "../../src/core/agent-request.ts";
import type { AgentResponse } from "../../src/core/agent-response.ts";
import type { InferenceStore, InferenceTicket } from "../../src/core/inference-store.ts";
import type { FloorAnswer, FloorRequest, FloorStorage } from "./floor-storage.ts";

/**
 * modelbus's own store under the floor's loop (the "floorstore" diagnostic): the claim before
 * the model call and the outcome after it, exactly the rows and statements modelbus writes,
 * with none of modelbus's pipeline around them. Its cost over the floor is what storing
 * modelbus's records (docs/persistence.md) costs; modelbus's cost over it is everything else.
 */
export class ModelbusStoreStorage implements FloorStorage {
  constructor(
    private readonly store: InferenceStore,
    private readonly endpoint: string,
    private readonly leaseMs = 60_000,
  ) {}

  readonly claim = async (request: FloorRequest): Promise<InferenceTicket> => {
    const begun = await this.store.begin(request as unknown as AgentRequest, { leaseMs: this.leaseMs });
    if (begun.kind !== "claimed") throw new Error(`request ${request.request_id} not claimed: ${begun.kind}`);
    return begun.ticket;
  };

  async save(request: FloorRequest, answer: FloorAnswer, ticket: unknown): Promise<void> {
    const response: AgentResponse = {
      request_id: request.request_id,
      status: "complete",
      finish_reason: answer.finishReason,
      message: { role: "assistant", content: answer.content },
      token_usage: { prompt_tokens: answer.promptTokens, completion_tokens: answer.completionTokens },
      endpoint: this.endpoint,
    };
    await this.store.complete({ ticket: ticket as InferenceTicket, response, wireForm: "bare", costPerMillion: { input: 0, output: 0 } });
  }
}
