import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import type { ModelRegistry } from "../../registry/model-registry.ts";
import type { CatalogStore } from "../../store/catalog-store.ts";
import { messageView, sessionView } from "./catalog-views.ts";
import { idParamsSchema } from "./conversation-routes.ts";
import { invalidField, notFound } from "./http-errors.ts";
import { cursors, pageBody, pageQuerySchema } from "./pagination.ts";
import { unsupportedModels } from "./unsupported-models.ts";
import type { BudgetGuard } from "../../budget/budget-guard.ts";

const createSessionSchema = z.strictObject({
  agent: z.string().min(1).max(191),
  conversation_id: z.string().min(1).max(36).nullish(),
  model: z.string().min(1).max(191).nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  allowed_tools: z.array(z.string().min(1)).max(128).nullish(),
  metadata: z.record(z.string(), z.unknown()).nullish(),
});

export interface SessionRouteDependencies {
  readonly catalog: CatalogStore;
  readonly registry: ModelRegistry;
  readonly maxPageSize: number;
  /** For a session's spend against `budgets.session`. */
  readonly budgets?: BudgetGuard | undefined;
}

/**
 * Sessions: one run with one agent (optionally inside a conversation), with overrides of
 * model, temperature and allowed tools that win over the agent's settings. Messages are
 * listed by position with cursor pagination.
 */
export function registerSessionRoutes(app: FastifyInstance, dependencies: SessionRouteDependencies): void {
  // Types only: request parts are the schemas' outputs, as zodValidatorCompiler (http-errors.ts) hands them over.
  const routes = app.withTypeProvider<ZodTypeProvider>();
  const { catalog } = dependencies;
  const pageQuery = pageQuerySchema(dependencies.maxPageSize);

  routes.post("/v1/sessions", { schema: { body: createSessionSchema } }, async (request, reply) => {
    const body = request.body;
    const agent = await catalog.agents.find(body.agent);
    if (!agent) throw notFound("agent", body.agent);
    if (body.conversation_id && !(await catalog.conversations.find(body.conversation_id))) throw notFound("conversation", body.conversation_id);
    // An override must name a real model: unlike an agent's models, it is chosen now, for this run.
    if (body.model && unsupportedModels(dependencies.registry, [body.model]).length > 0) {
      throw invalidField("model", `no capability, endpoint or alias named "${body.model}"`);
    }
    const session = await catalog.sessions.create({
      agentId: agent.id,
      conversationId: body.conversation_id ?? null,
      modelOverride: body.model ?? null,
      temperatureOverride: body.temperature ?? null,
      allowedTools: body.allowed_tools ?? null,
      metadata: body.metadata ?? null,
    });
    return reply.code(201).send(sessionView(session));
  });

  routes.get("/v1/sessions/:id", { schema: { params: idParamsSchema } }, async (request) => {
    const { id } = request.params;
    const session = await catalog.sessions.find(id);
    if (!session) throw notFound("session", id);
    const budget = dependencies.budgets?.sessionBudget;
    const spend = budget && dependencies.budgets ? await dependencies.budgets.spend("session", session.id, budget) : undefined;
    return { ...sessionView(session), ...(spend ? { budget, spend } : {}) };
  });

  routes.get("/v1/sessions/:id/messages", { schema: { params: idParamsSchema, querystring: pageQuery } }, async (request) => {
    const { id } = request.params;
    if (!(await catalog.sessions.find(id))) throw notFound("session", id);
    const query = request.query;
    const page = await catalog.sessions.listMessages(id, { limit: query.limit, afterPosition: cursors.position.decode(query.cursor) });
    return pageBody(page, messageView, cursors.position.encode);
  });
}
