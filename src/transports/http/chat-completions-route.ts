import { randomUUID } from "node:crypto";
import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import type { StoredRequestDependencies } from "../../pipeline/run-stored-request.ts";
import { CompletionStream, streamAnswer } from "./completion-stream.ts";
import { requestLogger } from "./request-logger.ts";
import { openAIChatRequestSchema } from "./openai-chat-request-schema.ts";
import { serveHttpRequest } from "./serve-http-request.ts";
import { SseResponse, wantsEventStream } from "./sse-response.ts";
import { completionId, toChatCompletion } from "./to-chat-completion.ts";
import { toAgentRequest } from "./to-agent-request.ts";

const requestIdHeader = z.string().min(1).max(191, "longer than 191 characters").regex(/^\S+$/, "must not contain whitespace").optional();

/** Headers are validated loosely: only the two that name the request are checked, the rest pass. */
const headersSchema = z.looseObject({ "idempotency-key": requestIdHeader, "x-request-id": requestIdHeader });

/**
 * POST /v1/chat/completions: OpenAI's API over the same pipeline as the JetStream door.
 * The request_id is the client's Idempotency-Key or X-Request-Id (with a store, a repeat
 * is answered from it without a model call), else `http-<uuid>`.
 */
export function registerChatCompletionsRoute(
  app: FastifyInstance,
  dependencies: { readonly processing: StoredRequestDependencies; readonly shutdown: AbortSignal },
): void {
  // Types only: request parts are the schemas' outputs, as zodValidatorCompiler (http-errors.ts) hands them over.
  const routes = app.withTypeProvider<ZodTypeProvider>();
  routes.post("/v1/chat/completions", { schema: { body: openAIChatRequestSchema, headers: headersSchema } }, async (request, reply) => {
    const body = request.body;
    const headers = request.headers;
    const clientId = headers["idempotency-key"] ?? headers["x-request-id"];
    const requestId = clientId ?? `http-${randomUUID()}`;
    const streaming = wantsEventStream(request, body.stream);
    const agentRequest = toAgentRequest(body, requestId, streaming);
    const logger = requestLogger(request, { request_id: requestId });
    const created = Math.floor(Date.now() / 1_000);
    const call = {
      processing: dependencies.processing,
      request: agentRequest,
      reply,
      logger,
      finalAttempt: true,
      shutdown: dependencies.shutdown,
      freshRequestId: clientId === undefined,
    };

    if (!streaming) {
      const { response, replayed } = await serveHttpRequest(call);
      reply.header("x-request-id", requestId);
      if (replayed) reply.header("idempotent-replayed", "true");
      return toChatCompletion(response, body.model, created);
    }
    const context = { id: completionId(requestId), created, model: body.model, includeUsage: body.stream_options?.include_usage === true };
    const stream = new CompletionStream(new SseResponse(reply, { "x-request-id": requestId }), context, logger);
    await streamAnswer(stream, async (onDelta) => (await serveHttpRequest({ ...call, onDelta })).response);
    return reply;
  });
}
