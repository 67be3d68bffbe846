import { randomUUID } from "node:crypto";
import type { AgentRequest } from "../../core/agent-request.ts";
import type { CatalogStore } from "../../store/catalog-store.ts";
import { checkIdempotencyKey } from "./check-idempotency-key.ts";
import { HttpError, notFound } from "./http-error.ts";
import { idempotentRequestId } from "./idempotency-request-id.ts";
import type { SessionMessageBody } from "./session-message-schema.ts";
import { sessionTurnRequest } from "./session-turn-request.ts";

export interface SessionTurnInput {
  readonly catalog: CatalogStore;
  readonly sessionId: string;
  readonly body: SessionMessageBody;
  readonly idempotencyKey: string | undefined;
  readonly idempotencyTtlMs: number;
  readonly stream: boolean;
  readonly now: number;
}

export interface PreparedTurn {
  readonly request: AgentRequest;
  /** The model name governance will use, for the stream's chunks ("" = the registry default). */
  readonly model: string;
}

/**
 * Everything a turn needs before the pipeline runs: the session (404), its agent (409 when
 * deleted: its prompt and tools are gone), the Idempotency-Key check (422 on another body),
 * and the request built from the stored history.
 */
export async function prepareSessionTurn(input: SessionTurnInput): Promise<PreparedTurn> {
  const { catalog, sessionId, body } = input;
  const session = await catalog.sessions.find(sessionId);
  if (!session) throw notFound("session", sessionId);
  const agent = session.agentId ? await catalog.agents.findAnyById(session.agentId) : undefined;
  if (agent?.deleted) {
    throw new HttpError({ code: "E_CONFLICT", message: `the agent "${agent.key}" of session "${sessionId}" was deleted`, details: { agent: agent.key } });
  }

  let requestId = `http-${randomUUID()}`;
  if (input.idempotencyKey !== undefined) {
    const { stream: _stream, ...digested } = body;
    const id = idempotentRequestId(sessionId, input.idempotencyKey, digested);
    await checkIdempotencyKey({ records: catalog.idempotency, id, ttlMs: input.idempotencyTtlMs, now: input.now });
    requestId = id.requestId;
  }
  const history = await catalog.sessions.allMessages(sessionId);
  const request = sessionTurnRequest({ requestId, sessionId, agentKey: agent?.key, history, body, stream: input.stream });
  return { request, model: session.modelOverride ?? agent?.defaultModel ?? "" };
}
