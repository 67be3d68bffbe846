import type { AgentResponse } from "../../core/agent-response.ts";
import type { ProcessOutcome } from "../../pipeline/process-request.ts";
import { HttpError } from "./http-errors.ts";

export interface HttpAnswer {
  readonly response: AgentResponse;
  /** Answered from the store: a request_id (Idempotency-Key) seen before, no model call. */
  readonly replayed: boolean;
}

/**
 * A pipeline outcome for an HTTP client: a successful answer, or an HttpError whose code
 * sets the status. `error` responses keep their code; `retry_later` (store down, the same
 * request in flight elsewhere) is a 503 with Retry-After; `abandoned` is shutdown or a bug.
 */
export function answerFromOutcome(outcome: ProcessOutcome): HttpAnswer {
  switch (outcome.type) {
    case "answer": {
      const { response } = outcome;
      if (response.status !== "error") return { response, replayed: outcome.source === "store" };
      throw new HttpError({
        code: response.error_code ?? "E_INTERNAL",
        message: response.error ?? "the request failed",
        details: { request_id: response.request_id, ...(response.endpoint ? { endpoint: response.endpoint } : {}), retry_count: response.retry_count ?? 0 },
      });
    }
    case "retry_later":
      throw new HttpError({
        code: outcome.error?.code ?? (outcome.reason === "in_flight_elsewhere" ? "E_REQUEST_IN_FLIGHT" : "E_STORE_UNAVAILABLE"),
        message: outcome.error?.message ?? `not answered now (${outcome.reason}); retry later`,
        details: { reason: outcome.reason },
        retryAfterSeconds: Math.max(1, Math.ceil(outcome.delayMs / 1_000)),
      });
    case "abandoned":
      throw new HttpError({ code: outcome.error.code, message: outcome.error.message, cause: outcome.error });
  }
}
