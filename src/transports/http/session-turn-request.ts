import { z } from "zod";
import { agentRequestSchema, reasoningRecordSchema, type AgentRequest } from "../../core/agent-request.ts";
import type { MessageRecord } from "../../store/catalog-records.ts";
import { parseOrThrow } from "./request-invalid.ts";
import type { SessionMessageBody } from "./session-message-schema.ts";
import { withoutUndefined } from "./without-undefined.ts";

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
