import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import type { ResponseStatus } from "../../core/agent-response.ts";
import type { CatalogStore } from "../../store/catalog-store.ts";
import { inferenceView } from "./catalog-views.ts";
import { cursors, pageQuerySchema } from "./pagination.ts";

const statuses = ["complete", "tool_call", "length_truncated", "error"] as const satisfies readonly ResponseStatus[];
const name = z.string().min(1).max(191);

function inferenceQuerySchema(maxPageSize: number) {
  return pageQuerySchema(maxPageSize).extend({ status: z.enum(statuses).optional(), endpoint: name.optional(), agent: name.optional(), loop: name.optional() });
}

/**
 * GET /v1/inferences: what the service answered, newest first, with latency, tokens and cost;
 * filtered by status, endpoint, agent (the session's catalog agent, by key) and loop (the
 * session's loop_id). A filtered page looks at a bounded window of the newest inferences
 * (inference-repository.ts), so it may hold fewer than `limit` rows while `next_cursor`
 * still goes on looking further back.
 */
export function registerInferenceRoutes(app: FastifyInstance, dependencies: { readonly catalog: CatalogStore; readonly maxPageSize: number }): void {
  // Types only: request parts are the schemas' outputs, as zodValidatorCompiler (http-errors.ts) hands them over.
  const routes = app.withTypeProvider<ZodTypeProvider>();
  const { catalog } = dependencies;
  routes.get("/v1/inferences", { schema: { querystring: inferenceQuerySchema(dependencies.maxPageSize) } }, async (request) => {
    const query = request.query;
    const page = await catalog.inferences.list({
      limit: query.limit,
      beforeId: cursors.id.decode(query.cursor),
      status: query.status,
      endpoint: query.endpoint,
      agent: query.agent,
      loop: query.loop,
    });
    return { data: page.items.map(inferenceView), next_cursor: page.next === undefined ? null : cursors.id.encode({ id: page.next }) };
  });
}
