import type { FastifyInstance } from "fastify";
import { HttpError } from "./http-errors.ts";
import type { MetricsRegistry } from "../../observability/metrics.ts";

/** A named readiness check: NATS connected, MySQL reachable, migrations applied. */
export interface ReadinessCheck {
  readonly name: string;
  readonly check: () => Promise<boolean> | boolean;
}

/** A check that has not answered by then counts as failed: probes must answer fast (a dead pool waits 10 s to give up). */
const checkTimeoutMs = 2_000;

async function run(check: ReadinessCheck["check"]): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), checkTimeoutMs);
  });
  try {
    return await Promise.race([
      Promise.resolve()
        .then(check)
        .catch(() => false),
      timedOut,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * /healthz: the process is up (the one route without auth). /readyz: every dependency
 * answers, with the failing ones named (503 otherwise). /metrics: the Prometheus text format.
 */
export interface AdminRouteOptions {
  readonly registry: MetricsRegistry;
  readonly checks: readonly ReadinessCheck[];
  /** Shown beside the checks, not counted in them (the last config reload). */
  readonly details?: (() => Record<string, unknown>) | undefined;
  readonly reload?: ((source: string) => Promise<{ readonly status: "applied" | "refused"; readonly problems: readonly string[] }>) | undefined;
}

export function registerAdminRoutes(app: FastifyInstance, options: AdminRouteOptions): void {
  app.get("/healthz", async () => ({ status: "ok" }));

  app.get("/readyz", async (_request, reply) => {
    const results = await Promise.all(options.checks.map(async ({ name, check }) => [name, await run(check)] as const));
    const checks = Object.fromEntries(results);
    const ready = results.every(([, ok]) => ok);
    return reply.code(ready ? 200 : 503).send({ status: ready ? "ready" : "not_ready", checks, ...options.details?.() });
  });

  const reload = options.reload;
  if (reload) {
    /** Re-reads the config: 200 with what changed, or E_CONFIG_INVALID listing every problem (the running config stays). */
    app.post("/v1/admin/reload", async () => {
      const result = await reload("POST /v1/admin/reload");
      if (result.status === "refused") {
        throw new HttpError({ code: "E_CONFIG_INVALID", message: `config reload refused: ${result.problems.join("; ")}`, details: { ...result } });
      }
      return result;
    });
  }

  app.get("/metrics", async (_request, reply) => {
    const body = await options.registry.metrics();
    return reply.header("content-type", options.registry.contentType).send(body);
  });
}
