import type { FastifyInstance, FastifyReply } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import pLimit, { type LimitFunction } from "p-limit";
import type { AgentResponse } from "../../core/agent-response.ts";
import type { StoredRequestDependencies } from "../../pipeline/run-stored-request.ts";
import type { CatalogStore } from "../../store/catalog-store.ts";
import { CompletionStream, streamAnswer } from "./completion-stream.ts";
import { idParamsSchema } from "./conversation-routes.ts";
import { prepareSessionTurn, sessionMessageHeadersSchema, sessionMessageSchema } from "./session-turn.ts";
import { requestLogger } from "./request-logger.ts";
import { serveHttpRequest } from "./serve-http-request.ts";
import { SseResponse, wantsEventStream } from "./sse-response.ts";
import { completionId, openAIUsage } from "./to-chat-completion.ts";

/**
 * Runs tasks one at a time per key, in arrival order. Session turns use it: two turns of
 * one session at once would both build on the same history (and race for the same message
 * positions), and a retried Idempotency-Key arriving while its first call still runs
 * waits for it and is then answered from the store.
 */
export class KeyedSerializer {
  /** One single-slot limiter per key with a task running or waiting. */
  private readonly lines = new Map<string, LimitFunction>();

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const line = this.lines.get(key) ?? pLimit(1);
    this.lines.set(key, line);
    return line(async () => {
      try {
        return await task();
      } finally {
        if (line.pendingCount === 0 && this.lines.get(key) === line) this.lines.delete(key);
      }
    });
  }

  /** Keys with a task running or waiting (for tests and leak checks). */
  get size(): number {
    return this.lines.size;
  }
}

export interface SessionMessageRouteDependencies {
  readonly processing: StoredRequestDependencies;
  readonly shutdown: AbortSignal;
  readonly catalog: CatalogStore;
  readonly idempotencyTtlMs: number;
  readonly now?: () => number;
}

function turnBody(sessionId: string, response: AgentResponse, replayed: boolean) {
  const { message } = response;
  return {
    request_id: response.request_id,
    session_id: sessionId,
    replayed,
    status: response.status,
    finish_reason: response.finish_reason ?? null,
    message: {
      role: "assistant",
      content: message.content ?? null,
      reasoning_content: message.reasoning_content ?? null,
      tool_calls: message.tool_calls ?? [],
    },
    model: response.provider_model ?? null,
    endpoint: response.endpoint ?? null,
    usage: openAIUsage(response.token_usage),
  };
}

function replayHeaders(reply: FastifyReply, requestId: string, replayed: boolean): void {
  reply.header("x-request-id", requestId);
  if (replayed) reply.header("idempotent-replayed", "true");
}

/**
 * POST /v1/sessions/{id}/messages: one turn of a stored conversation. The turn's messages
 * and the reply are stored before the answer (or the stream's final chunk and [DONE]) goes
 * out; a reply that cannot be stored is a 503, never an answer missing from the history.
 * Turns of one session run one at a time in this process.
 */
export function registerSessionMessageRoute(app: FastifyInstance, dependencies: SessionMessageRouteDependencies): void {
  // Types only: request parts are the schemas' outputs, as zodValidatorCompiler (http-errors.ts) hands them over.
  const routes = app.withTypeProvider<ZodTypeProvider>();
  const turns = new KeyedSerializer();
  const now = dependencies.now ?? Date.now;
  const schema = { params: idParamsSchema, body: sessionMessageSchema, headers: sessionMessageHeadersSchema };

  routes.post("/v1/sessions/:id/messages", { schema }, async (request, reply) => {
    const { id: sessionId } = request.params;
    const body = request.body;
    const headers = request.headers;
    const streaming = wantsEventStream(request, body.stream);
    return turns.run(sessionId, async () => {
      const turn = await prepareSessionTurn({
        catalog: dependencies.catalog,
        sessionId,
        body,
        idempotencyKey: headers["idempotency-key"],
        idempotencyTtlMs: dependencies.idempotencyTtlMs,
        stream: streaming,
        now: now(),
      });
      const requestId = turn.request.request_id;
      const logger = requestLogger(request, { request_id: requestId, session_id: sessionId });
      const freshRequestId = headers["idempotency-key"] === undefined;
      const call = {
        processing: dependencies.processing,
        request: turn.request,
        reply,
        logger,
        finalAttempt: false,
        shutdown: dependencies.shutdown,
        freshRequestId,
      };
      if (!streaming) {
        const { response, replayed } = await serveHttpRequest(call);
        replayHeaders(reply, requestId, replayed);
        return turnBody(sessionId, response, replayed);
      }
      const context = { id: completionId(requestId), created: Math.floor(now() / 1_000), model: turn.model, includeUsage: true };
      const stream = new CompletionStream(new SseResponse(reply, { "x-request-id": requestId }), context, logger);
      await streamAnswer(stream, async (onDelta) => (await serveHttpRequest({ ...call, onDelta })).response);
      return reply;
    });
  });
}
