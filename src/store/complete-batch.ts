import { randomUUID } from "node:crypto";
import type { ChatMessage } from "../core/agent-request.ts";
import type { CompleteInput } from "../core/inference-store.ts";
import { Prisma, type PrismaClient } from "../generated/prisma/client.ts";
import type { StoreTicket } from "./begin-batch.ts";
import { extendHistoryHash } from "./history-hash.ts";

export interface CompleteItem extends CompleteInput {
  readonly ticket: StoreTicket;
}

const json = (value: unknown) => (value === undefined ? null : JSON.stringify(value));

function messageRow(sessionId: string, position: number, message: ChatMessage, model: string | null, createdAt: Date) {
  const metadata = message.reasoning_records || message.is_error ? { reasoning_records: message.reasoning_records, is_error: message.is_error } : undefined;
  return {
    id: randomUUID(),
    sessionId,
    position,
    role: message.role,
    content: message.content ?? null,
    name: message.name ?? null,
    toolCalls: message.tool_calls ? (message.tool_calls as unknown as Prisma.InputJsonValue) : Prisma.DbNull,
    toolCallId: message.tool_call_id ?? null,
    reasoning: message.reasoning_content ?? null,
    model,
    metadata: metadata ? (metadata as Prisma.InputJsonValue) : Prisma.DbNull,
    createdAt,
  };
}

/** The messages an item writes: the new incoming ones, then the assistant's answer if there is one. */
function plannedWrites(item: CompleteItem, at: Date) {
  const { session } = item.ticket;
  const messages = session.newMessages.map((message, index) => messageRow(session.id, session.startPosition + index, message, null, at));
  let historyHash = session.historyHash;
  if (item.response.status !== "error") {
    const reply: ChatMessage = { ...item.response.message, role: "assistant" };
    messages.push(messageRow(session.id, session.startPosition + messages.length, reply, item.response.provider_model ?? null, at));
    historyHash = extendHistoryHash(historyHash, item.response.message);
  }
  return { messages, messageCount: session.startPosition + messages.length, historyHash };
}

function cost(item: CompleteItem): number {
  const usage = item.response.token_usage;
  return (usage.prompt_tokens * item.costPerMillion.input + usage.completion_tokens * item.costPerMillion.output) / 1_000_000;
}

/**
 * Writes a batch of outcomes in one transaction of at most four statements, whatever the
 * batch size: conversations referenced by new sessions, session rows (new or advanced),
 * all messages, and every inference's outcome with the response exactly as published.
 */
export async function completeBatch(prisma: PrismaClient, items: readonly CompleteItem[], now: () => number): Promise<void[]> {
  const at = new Date(now());
  const writes = items.map((item) => ({ item, ...plannedWrites(item, at) }));
  const statements: Prisma.PrismaPromise<unknown>[] = [];

  const conversations = [...new Set(writes.flatMap(({ item }) => (item.ticket.session.create && item.ticket.session.conversationId ? [item.ticket.session.conversationId] : [])))];
  if (conversations.length > 0) {
    statements.push(
      prisma.$executeRaw`INSERT IGNORE INTO conversations (id, created_at, updated_at) VALUES ${Prisma.join(
        conversations.map((id) => Prisma.sql`(${id}, ${at}, ${at})`),
      )}`,
    );
  }

  statements.push(
    prisma.$executeRaw`INSERT INTO sessions (id, agent_id, conversation_id, external_key, parent_session_id, status, message_count, history_hash, created_at, updated_at)
      VALUES ${Prisma.join(
        writes.map(({ item, messageCount, historyHash }) => {
          const session = item.ticket.session;
          return Prisma.sql`(${session.id}, ${session.agentId ?? null}, ${session.conversationId ?? null}, ${session.externalKey ?? null},
            ${session.parentSessionId ?? null}, 'active', ${messageCount}, ${historyHash}, ${at}, ${at})`;
        }),
      )}
      ON DUPLICATE KEY UPDATE message_count = VALUES(message_count), history_hash = VALUES(history_hash), updated_at = VALUES(updated_at)`,
  );

  const messages = writes.flatMap((write) => write.messages);
  if (messages.length > 0) statements.push(prisma.message.createMany({ data: messages }));

  statements.push(
    prisma.$executeRaw`INSERT INTO inferences (id, request_id, session_id, state, owner, lease_until, endpoint, provider_model, status, finish_reason,
        prompt_tokens, completion_tokens, cost, retry_count, latency_ms, error_code, error_text, response, wire_form, created_at, completed_at)
      VALUES ${Prisma.join(
        items.map((item) => {
          const { response, ticket } = item;
          return Prisma.sql`(${ticket.inferenceId}, ${ticket.requestId}, ${ticket.session.id}, 'completed', ${ticket.owner}, NULL,
            ${response.endpoint ?? null}, ${response.provider_model ?? null}, ${response.status}, ${response.finish_reason ?? null},
            ${response.token_usage.prompt_tokens}, ${response.token_usage.completion_tokens}, ${cost(item)}, ${response.retry_count ?? 0},
            ${response.latency_ms ?? 0}, ${response.error_code ?? null}, ${response.error ?? null}, ${json(response)}, ${item.wireForm}, ${at}, ${at})`;
        }),
      )}
      ON DUPLICATE KEY UPDATE session_id = VALUES(session_id), state = 'completed', lease_until = NULL, endpoint = VALUES(endpoint),
        provider_model = VALUES(provider_model), status = VALUES(status), finish_reason = VALUES(finish_reason),
        prompt_tokens = VALUES(prompt_tokens), completion_tokens = VALUES(completion_tokens), cost = VALUES(cost),
        retry_count = VALUES(retry_count), latency_ms = VALUES(latency_ms), error_code = VALUES(error_code),
        error_text = VALUES(error_text), response = VALUES(response), wire_form = VALUES(wire_form), completed_at = VALUES(completed_at)`,
  );

  await prisma.$transaction(statements);
  return items.map(() => undefined);
}
