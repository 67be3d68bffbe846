import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import type { ModelRegistry } from "../../registry/model-registry.ts";
import type { AgentRepository, AgentWrite } from "../../store/agent-repository.ts";
import type { AgentFields, AgentRecord } from "../../store/catalog-records.ts";
import { agentParamsSchema, createAgentSchema, updateAgentSchema, type CreateAgentBody, type UpdateAgentBody } from "./agent-schemas.ts";
import { agentView } from "./catalog-views.ts";
import { HttpError, notFound } from "./http-errors.ts";
import { cursors, pageBody, pageQuerySchema } from "./pagination.ts";
import { unsupportedModels } from "./unsupported-models.ts";
import { withoutUndefined } from "./to-agent-request.ts";
import type { BudgetGuard } from "../../budget/budget-guard.ts";

export interface AgentRouteDependencies {
  readonly agents: AgentRepository;
  readonly registry: ModelRegistry;
  readonly maxPageSize: number;
  /** Called after every write, so this process's governance sees the change at once. */
  readonly onAgentsChanged: () => void;
  /** For an agent's spend against its budget (the catalog's, else the config's). */
  readonly budgets?: BudgetGuard | undefined;
}

function changes(body: UpdateAgentBody): Partial<AgentFields> {
  return withoutUndefined({
    key: body.key,
    displayName: body.display_name,
    systemPrompt: body.system_prompt,
    defaultModel: body.default_model,
    fallbackModels: body.fallback_models,
    temperature: body.temperature,
    tools: body.tools,
    metadata: body.metadata,
    budget: body.budget,
  });
}

function created(body: CreateAgentBody): AgentFields {
  return {
    key: body.key,
    displayName: body.display_name ?? body.key,
    systemPrompt: body.system_prompt ?? null,
    defaultModel: body.default_model ?? null,
    fallbackModels: body.fallback_models,
    temperature: body.temperature ?? null,
    tools: body.tools ?? null,
    metadata: body.metadata ?? null,
    budget: body.budget ?? null,
  };
}

/**
 * The agent catalog: create, read (by id or key), update (PATCH), soft delete, list with
 * cursor pagination. Each agent carries `unsupported_models`: its default and fallback
 * models the registry cannot resolve by name.
 */
export function registerAgentRoutes(app: FastifyInstance, dependencies: AgentRouteDependencies): void {
  // Types only: request parts are the schemas' outputs, as zodValidatorCompiler (http-errors.ts) hands them over.
  const routes = app.withTypeProvider<ZodTypeProvider>();
  const { agents } = dependencies;
  // `registry` and `budgets` are read per call: a config reload replaces them.
  const view = (agent: AgentRecord) => agentView(agent, unsupportedModels(dependencies.registry, [agent.defaultModel, ...agent.fallbackModels]));
  const written = (result: AgentWrite, idOrKey: string, key?: string) => {
    if (result.kind === "conflict") {
      throw new HttpError({
        code: "E_CONFLICT",
        message: `agent key "${key}" is already taken (keys of deleted agents stay taken)`,
        details: { field: "key", key },
      });
    }
    if (result.kind === "not_found") throw notFound("agent", idOrKey);
    dependencies.onAgentsChanged();
    return view(result.agent);
  };
  const existing = async (idOrKey: string) => {
    const agent = await agents.find(idOrKey);
    if (!agent) throw notFound("agent", idOrKey);
    return agent;
  };

  routes.post("/v1/agents", { schema: { body: createAgentSchema } }, async (request, reply) => {
    const body = request.body;
    const result = await agents.create(created(body));
    return reply.code(201).send(written(result, body.key, body.key));
  });

  routes.get("/v1/agents", { schema: { querystring: pageQuerySchema(dependencies.maxPageSize) } }, async (request) => {
    const query = request.query;
    const page = await agents.list({ limit: query.limit, afterId: cursors.id.decode(query.cursor) });
    return pageBody(page, view, cursors.id.encode);
  });

  routes.get("/v1/agents/:id", { schema: { params: agentParamsSchema } }, async (request) => {
    const agent = await existing(request.params.id);
    const budget = agent.budget ?? dependencies.budgets?.agentBudget(agent.key);
    const spend = budget && dependencies.budgets ? await dependencies.budgets.spend("agent", agent.key, budget) : undefined;
    return { ...view(agent), ...(spend ? { spend } : {}) };
  });

  routes.patch("/v1/agents/:id", { schema: { params: agentParamsSchema, body: updateAgentSchema } }, async (request) => {
    const { id } = request.params;
    const body = request.body;
    const agent = await existing(id);
    return written(await agents.update(agent.id, changes(body)), id, body.key);
  });

  routes.delete("/v1/agents/:id", { schema: { params: agentParamsSchema } }, async (request, reply) => {
    const { id } = request.params;
    const agent = await existing(id);
    if (!(await agents.softDelete(agent.id))) throw notFound("agent", id);
    dependencies.onAgentsChanged();
    return reply.code(204).send();
  });
}
