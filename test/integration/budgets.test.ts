/**
 * Budgets per agent, role, loop and session against the mock provider: a request that would
 * pass one is answered at once with E_BUDGET_EXCEEDED naming it, with no model call; the charge
 * (an estimate before the call) is corrected by the reported usage; with Redis, two replicas
 * share one budget.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Service } from "../../src/main.ts";
import { MockProviderServer } from "../../src/providers/mock/mock-provider-server.ts";
import { metricValue } from "../support/fault-kit.ts";
import { HttpTestClient, httpTestConfig, startHttpTestService } from "../support/http-test-service.ts";
import { createTestDatabase } from "../support/test-database.ts";
import { TestOrchestrator, startTestService, testConfig, uniqueNames, userRequest } from "../support/test-service.ts";

let mock: MockProviderServer;
const services: Service[] = [];
const orchestrators: TestOrchestrator[] = [];

beforeAll(async () => {
  mock = await MockProviderServer.start();
});

afterAll(async () => {
  for (const service of services) await service.stop();
  for (const orchestrator of orchestrators) await orchestrator.close();
  await mock?.close();
});

/** A service (or `replicas` sharing one stream) with `budgets`; the endpoint `main` costs 10 per 1M tokens in, 30 out. */
async function withBudgets(budgets: Record<string, unknown>, options: { redis?: boolean; replicas?: number } = {}) {
  const names = uniqueNames();
  const model = `budget-${randomBytes(3).toString("hex")}`;
  const config = testConfig(names, {
    budgets,
    ...(options.redis ? { throttle: { redis_url: "redis://127.0.0.1:6379" } } : {}),
    registry: {
      endpoints: { main: { provider: "openai", url: mock.url, model, max_output_tokens: 100, input_price_per_1m_tokens: 10, output_price_per_1m_tokens: 30 } },
    },
  });
  const replicas: Service[] = [];
  for (let index = 0; index < (options.replicas ?? 1); index += 1) {
    const service = await startTestService(config);
    services.push(service);
    replicas.push(service);
  }
  const orchestrator = await TestOrchestrator.connect(names);
  orchestrators.push(orchestrator);
  return { replicas, service: replicas[0] as Service, orchestrator, model, calls: () => mock.requestsFor(model).length };
}

const usage = (prompt: number, completion: number) => ({
  kind: "text" as const,
  content: "ok",
  usage: { prompt_tokens: prompt, completion_tokens: completion },
});

describe("budgets", () => {
  it("refuses a loop's request that would pass its tokens per_hour, at once, naming it and when it refills; other loops go on", async () => {
    // Each request is estimated at ~103 tokens (a short prompt + max_output_tokens 100).
    const { service, orchestrator, model, calls } = await withBudgets({ loop: { tokens: { per_hour: 300 } } });
    for (let index = 0; index < 3; index += 1) mock.enqueue(model, usage(3, 97));
    const answers = [];
    for (let index = 0; index < 3; index += 1) answers.push(await orchestrator.send(userRequest(`b-loop-${index}`, "main", "hi", { loop_id: "loop-a" })));
    expect(answers.map((answer) => answer.status)).toEqual(["complete", "complete", "error"]);
    const refused = answers[2];
    expect(refused?.error_code).toBe("E_BUDGET_EXCEEDED");
    expect(refused?.error).toMatch(
      /^loop "loop-a" tokens budget per hour \(300\) would be exceeded: 200 spent, this request needs about 10\d; refills in (\d+m|1\.\dh)$/,
    ); // "1.0h" in the first ~36 s of an hour: the spend outlives this whole bucket, then fades
    expect(calls()).toBe(2); // no model call for the refused one
    mock.enqueue(model, usage(3, 97));
    expect((await orchestrator.send(userRequest("b-loop-other", "main", "hi", { loop_id: "loop-b" }))).status).toBe("complete");
    expect(await metricValue(service, "modelbus_budget_refusals_total", { scope: "loop", window: "per_hour" })).toBe(1);
    expect(await metricValue(service, "modelbus_budget_spend_total", { scope: "loop", unit: "tokens" })).toBe(300);
  });

  it("charges the estimate before the call and corrects it with the reported usage", async () => {
    // 250 tokens an hour: the estimate (~103) fits twice, but the calls report 10 each, so many more fit.
    const { orchestrator, model, calls } = await withBudgets({ session: { tokens: { per_hour: 250 } } });
    const session = "0b6f1c0e-5d8b-4c61-9d1e-333333333333";
    for (let index = 0; index < 6; index += 1) mock.enqueue(model, usage(5, 5));
    const statuses: string[] = [];
    for (let index = 0; index < 6; index += 1)
      statuses.push((await orchestrator.send(userRequest(`b-fix-${index}`, "main", "hi", { session_id: session }))).status);
    expect(statuses).toEqual(["complete", "complete", "complete", "complete", "complete", "complete"]);
    expect(calls()).toBe(6);
  });

  it("limits cost per agent and per role, by the endpoint's prices", async () => {
    // One call: 3 prompt tokens at 10/1M + 97 completion at 30/1M ≈ 0.00294; the estimate ~103 × 30/1M ≈ 0.0031.
    const { orchestrator, model } = await withBudgets({ agents: { writer: { cost: { per_day: 0.005 } } }, roles: { critic: { cost: { total: 0.004 } } } });
    mock.enqueue(model, usage(3, 97));
    mock.enqueue(model, usage(3, 97));
    expect((await orchestrator.send(userRequest("b-agent-1", "main", "hi", { agent: "writer" }))).status).toBe("complete");
    const second = await orchestrator.send(userRequest("b-agent-2", "main", "hi", { agent: "writer" }));
    expect(second.error).toMatch(/^agent "writer" cost budget per day \(0\.005\) would be exceeded: 0\.002940 spent/);
    expect((await orchestrator.send(userRequest("b-role-1", "main", "hi", { role: "critic" }))).status).toBe("complete");
    const third = await orchestrator.send(userRequest("b-role-2", "main", "hi", { role: "critic" }));
    expect(third.error).toMatch(/^role "critic" cost budget total \(0\.004\) would be exceeded: .*; refills never/);
  });

  it("holds one budget across two replicas through Redis", async () => {
    const loop = `fleet-loop-${randomBytes(3).toString("hex")}`;
    const { replicas, orchestrator, model, calls } = await withBudgets({ loop: { tokens: { per_minute: 520 } } }, { redis: true, replicas: 2 });
    for (let index = 0; index < 10; index += 1) mock.enqueue(model, usage(3, 97));
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, index) => orchestrator.send(userRequest(`b-fleet-${index}`, "main", "hi", { loop_id: loop }), 15_000)),
    );
    // Five estimates of ~103 fit in 520 whichever replica took them; the other five are refused.
    expect(answers.filter((answer) => answer.status === "complete")).toHaveLength(5);
    expect(answers.filter((answer) => answer.error_code === "E_BUDGET_EXCEEDED")).toHaveLength(5);
    expect(calls()).toBe(5);
    const refusals = await Promise.all(
      replicas.map((replica) => metricValue(replica, "modelbus_budget_refusals_total", { scope: "loop", window: "per_minute" })),
    );
    expect(refusals.reduce((sum, value) => sum + value, 0)).toBe(5);
  });

  it("takes an agent's budget from the catalog API, shows spend against it, and the session's", async () => {
    const database = await createTestDatabase();
    const names = uniqueNames();
    const model = `catalog-${randomBytes(3).toString("hex")}`;
    const service = await startHttpTestService(
      httpTestConfig(names, {
        budgets: { session: { tokens: { per_day: 100_000 } } },
        registry: { endpoints: { main: { provider: "openai", url: mock.url, model, max_output_tokens: 100 } } },
      }),
      { databaseUrl: database.url },
    );
    services.push(service);
    try {
      const client = new HttpTestClient(service.httpUrl);
      const agent = await client.post("/v1/agents", { key: "frugal", default_model: "main", budget: { tokens: { per_hour: 130 } } });
      expect(agent.status).toBe(201);
      expect(agent.body.budget).toEqual({ tokens: { per_hour: 130 } });
      const session = await client.post("/v1/sessions", { agent: "frugal" });
      mock.enqueue(model, usage(3, 40));
      const first = await client.post(`/v1/sessions/${session.body.id}/messages`, { content: "hi" });
      expect(first.status).toBe(200);
      const second = await client.post(`/v1/sessions/${session.body.id}/messages`, { content: "again" });
      expect(second.status).toBe(429);
      expect(second.body.error).toMatchObject({ code: "E_BUDGET_EXCEEDED", type: "rate_limit_error" });
      expect(second.body.error.message).toMatch(/^agent "frugal" tokens budget per hour \(130\) would be exceeded: 43 spent/);
      const viewed = await client.get(`/v1/agents/${agent.body.id}`);
      expect(viewed.body.spend).toEqual({ tokens: { per_hour: { limit: 130, spent: 43 } }, cost: {} });
      const sessionView = await client.get(`/v1/sessions/${session.body.id}`);
      expect(sessionView.body.budget).toEqual({ tokens: { per_day: 100_000 } });
      expect(sessionView.body.spend.tokens.per_day).toEqual({ limit: 100_000, spent: 43 });
      // Raised through the API, it lets the session go on.
      expect((await client.patch(`/v1/agents/${agent.body.id}`, { budget: { tokens: { per_hour: 10_000 } } })).status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 150)); // the agent cache (store.agent_cache_ttl 100ms in tests)
      mock.enqueue(model, usage(3, 40));
      expect((await client.post(`/v1/sessions/${session.body.id}/messages`, { content: "more" })).status).toBe(200);
    } finally {
      await database.drop();
    }
  });
});
