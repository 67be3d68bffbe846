import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import type { CatalogStore } from "../../store/catalog-store.ts";
import { conversationView, sessionView } from "./catalog-views.ts";
import { notFound } from "./http-errors.ts";
import { cursors, pageBody, pageQuerySchema } from "./pagination.ts";

const createConversationSchema = z.strictObject({
  title: z.string().min(1).max(191).nullish(),
  agent: z.string().min(1).max(191).nullish(),
  metadata: z.record(z.string(), z.unknown()).nullish(),
});

export const idParamsSchema = z.strictObject({ id: z.string().min(1).max(36) });

/** Conversations group sessions over time: create, read, list, and list a conversation's sessions. */
export function registerConversationRoutes(app: FastifyInstance, dependencies: { readonly catalog: CatalogStore; readonly maxPageSize: number }): void {
  // Types only: request parts are the schemas' outputs, as zodValidatorCompiler (http-errors.ts) hands them over.
  const routes = app.withTypeProvider<ZodTypeProvider>();
  const { catalog } = dependencies;
  const pageQuery = pageQuerySchema(dependencies.maxPageSize);
  const existing = async (id: string) => {
    const conversation = await catalog.conversations.find(id);
    if (!conversation) throw notFound("conversation", id);
    return conversation;
  };

  routes.post("/v1/conversations", { schema: { body: createConversationSchema } }, async (request, reply) => {
    const body = request.body;
    let agentId: string | null = null;
    if (body.agent) {
      const agent = await catalog.agents.find(body.agent);
      if (!agent) throw notFound("agent", body.agent);
      agentId = agent.id;
    }
    const conversation = await catalog.conversations.create({ title: body.title ?? null, agentId, metadata: body.metadata ?? null });
    return reply.code(201).send(conversationView(conversation));
  });

  routes.get("/v1/conversations", { schema: { querystring: pageQuery } }, async (request) => {
    const query = request.query;
    const page = await catalog.conversations.list({ limit: query.limit, after: cursors.time.decode(query.cursor) });
    return pageBody(page, conversationView, cursors.time.encode);
  });

  routes.get("/v1/conversations/:id", { schema: { params: idParamsSchema } }, async (request) => {
    return conversationView(await existing(request.params.id));
  });

  routes.get("/v1/conversations/:id/sessions", { schema: { params: idParamsSchema, querystring: pageQuery } }, async (request) => {
    const conversation = await existing(request.params.id);
    const query = request.query;
    const page = await catalog.sessions.listByConversation(conversation.id, { limit: query.limit, after: cursors.time.decode(query.cursor) });
    return pageBody(page, sessionView, cursors.time.encode);
  });
}
