/**
 * One turn of a stored conversation, before the pipeline runs: the body a client sends
 * (validated by the route), the session and agent it needs, the Idempotency-Key check, and the
 * AgentRequest built from the stored history and the new messages.
 */
import { randomUUID } from "node:crypto";
import { z } from "zod";
import { agentRequestSchema, reasoningRecordSchema, type AgentRequest } from "../../core/agent-request.ts";
import type { MessageRecord } from "../../store/catalog-records.ts";
import type { CatalogStore } from "../../store/catalog-store.ts";
import { HttpError, notFound, parseOrThrow } from "./http-errors.ts";
import { checkIdempotencyKey, idempotentRequestId } from "./idempotency-key.ts";
import { withoutUndefined } from "./to-agent-request.ts";

/**
 * POST /v1/sessions/{id}/messages: the user's next message, and/or the results of the
 * tool calls the assistant asked for last turn (they go first, in order). `stream` asks
 * for SSE like `Accept: text/event-stream` does; it is not part of the idempotency digest.
 */
export const sessionMessageSchema = z
  .strictObject({
    content: z.string().min(1).optional(),
    tool_results: z
      .array(
        z.strictObject({
          tool_call_id: z.string().min(1).max(191),
          content: z.string().min(1),
          name: z.string().min(1).max(191).optional(),
          is_error: z.boolean().optional(),
        }),
      )
      .min(1)
      .optional(),
    stream: z.boolean().optional(),
  })
  .refine((body) => body.content !== undefined || body.tool_results !== undefined, {
    path: ["content"],
    message: "is required (or tool_results)",
  });

export type SessionMessageBody = z.output<typeof sessionMessageSchema>;

const idempotencyKey = z
  .string()
  .min(1)
  .max(255, "longer than 255 characters")
  .regex(/^[\x21-\x7e]+$/, "must be visible ASCII characters")
  .optional();

export const sessionMessageHeadersSchema = z.looseObject({ "idempotency-key": idempotencyKey });

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

const storedMetadata = z.looseObject({ reasoning_records: z.array(reasoningRecordSchema).optional(), is_error: z.boolean().optional() });

/** A stored message as it goes back to the model (reasoning records too: some providers need them back). */
function fromStored(message: MessageRecord) {
  const metadata = storedMetadata.safeParse(message.metadata ?? {}).data;
  return withoutUndefined({
    role: message.role,
    content: message.content ?? undefined,
    name: message.name ?? undefined,
    tool_calls: message.toolCalls ?? undefined,
    tool_call_id: message.toolCallId ?? undefined,
    reasoning_content: message.reasoning ?? undefined,
    reasoning_records: metadata?.reasoning_records,
    is_error: metadata?.is_error,
  });
}

function newMessages(body: SessionMessageBody) {
  const results = (body.tool_results ?? []).map((result) =>
    withoutUndefined({ role: "tool", tool_call_id: result.tool_call_id, content: result.content, name: result.name, is_error: result.is_error }),
  );
  return body.content === undefined ? results : [...results, { role: "user", content: body.content }];
}

export interface SessionTurn {
  readonly requestId: string;
  readonly sessionId: string;
  readonly agentKey: string | undefined;
  readonly history: readonly MessageRecord[];
  readonly body: SessionMessageBody;
  readonly stream: boolean;
}

/**
 * The AgentRequest of a session turn: the stored history by position, then the new
 * messages. `model` stays empty and the session and agent are named, so governance picks
 * the model (session override, then the agent's default), prepends the agent's system
 * prompt and applies temperature and allowed tools; the store recognises the stored
 * history by its hash and appends only the new messages and the reply.
 */
export function sessionTurnRequest(turn: SessionTurn): AgentRequest {
  const raw = withoutUndefined({
    request_id: turn.requestId,
    session_id: turn.sessionId,
    agent: turn.agentKey,
    model: "",
    messages: [...turn.history.map(fromStored), ...newMessages(turn.body)],
    stream: turn.stream || undefined,
  });
  return parseOrThrow(agentRequestSchema, raw, "body");
}
