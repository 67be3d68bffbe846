import type { FastifyInstance } from "fastify";
import type { Registry } from "prom-client";

/** A named readiness check: NATS connected, consumer pulling, (later) MySQL reachable. */
export interface ReadinessCheck {
  readonly name: string;
  readonly check: () => Promise<boolean> | boolean;
}

/**
 * /healthz: the process is up. /readyz: every dependency answers, with the failing ones
 * named (503 otherwise). /metrics: the Prometheus text format.
 */
export function registerAdminRoutes(app: FastifyInstance, options: { registry: Registry; checks: readonly ReadinessCheck[] }): void {
  app.get("/healthz", async () => ({ status: "ok" }));

  app.get("/readyz", async (_request, reply) => {
    const results = await Promise.all(
      options.checks.map(async ({ name, check }) => [name, await Promise.resolve(check()).catch(() => false)] as const),
    );
    const checks = Object.fromEntries(results);
    const ready = results.every(([, ok]) => ok);
    return reply.code(ready ? 200 : 503).send({ status: ready ? "ready" : "not_ready", checks });
  });

  app.get("/metrics", async (_request, reply) => {
    const body = await options.registry.metrics();
    return reply.header("content-type", options.registry.contentType).send(body);
  });
}
