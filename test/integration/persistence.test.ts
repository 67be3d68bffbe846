import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ChatMessage } from "../../src/core/agent-request.ts";
import type { AgentResponse } from "../../src/core/agent-response.ts";
import type { PrismaClient } from "../../src/generated/prisma/client.ts";
import type { Service } from "../../src/main.ts";
import type { MockProviderServer } from "../../src/providers/mock/mock-provider-server.ts";
import { createPrismaClient } from "../../src/store/create-prisma-client.ts";
import { metricValue } from "../support/fault-kit.ts";
import { createTestDatabase, queryTestDatabase } from "../support/test-database.ts";
import { TestOrchestrator, startTestService, testConfig, uniqueNames, userRequest } from "../support/test-service.ts";

const names = uniqueNames();
let database: Awaited<ReturnType<typeof createTestDatabase>>;
let service: Service;
let mock: MockProviderServer;
let orchestrator: TestOrchestrator;
let prisma: PrismaClient;

beforeAll(async () => {
  database = await createTestDatabase();
  const config = testConfig(names, {
    store: { enabled: true, lease_margin: "500ms" },
    registry: {
      endpoints: {
        main: { provider: "mock", model: "main-model", input_price_per_1m_tokens: 2, output_price_per_1m_tokens: 10 },
        spare: { provider: "mock", model: "spare-model" },
      },
    },
  });
  service = await startTestService(config, { databaseUrl: database.url });
  mock = service.mockProvider as MockProviderServer;
  orchestrator = await TestOrchestrator.connect(names);
  prisma = createPrismaClient(database.url);
});

afterAll(async () => {
  await service?.stop();
  await orchestrator?.close();
  await prisma?.$disconnect();
  await database?.drop();
});

const echo = (response: AgentResponse): ChatMessage => ({ ...response.message, role: "assistant" }) as ChatMessage;

async function sessionMessages(sessionId: string) {
  return prisma.message.findMany({ where: { sessionId }, orderBy: { position: "asc" } });
}

describe("persistence of the JetStream door", () => {
  it("stores the session, its messages and the inference with cost and the published response", async () => {
    mock.enqueue("main-model", { kind: "text", content: "stored answer", usage: { prompt_tokens: 1_000, completion_tokens: 500 } });
    const response = await orchestrator.send(userRequest("p-full", "main", "remember me", { loop_id: "loop-full" }));
    const inference = await prisma.inference.findUniqueOrThrow({ where: { requestId: Buffer.from("p-full") } });
    expect(inference).toMatchObject({
      owner: expect.stringMatching(/^[0-9a-f]{32}$/),
      completedAt: expect.any(Date),
      endpoint: "main",
      providerModel: "main-model",
      status: "complete",
      finishReason: "stop",
      promptTokens: 1_000,
      completionTokens: 500,
      retryCount: 0,
      wireForm: "bare",
    });
    expect(Number(inference.cost)).toBeCloseTo((1_000 * 2 + 500 * 10) / 1_000_000, 8);
    expect(inference.response).toEqual(response);
    const session = await prisma.session.findFirstOrThrow({ where: { externalKey: "loop-full" } });
    expect(inference.sessionId).toBe(session.id);
    expect((await sessionMessages(session.id)).map((m) => [m.position, m.role, m.content, m.model])).toEqual([
      [0, "user", "remember me", null],
      [1, "assistant", "stored answer", "main-model"],
    ]);
  });

  it("appends each turn of a loop once, across three turns", async () => {
    const history: ChatMessage[] = [
      { role: "system", content: "be brief" },
      { role: "user", content: "turn 1" },
    ];
    for (let turn = 1; turn <= 3; turn += 1) {
      if (turn > 1) history.push({ role: "user", content: `turn ${turn}` });
      const response = await orchestrator.send({ request_id: `p-turn-${turn}`, loop_id: "loop-3", model: "main", messages: history });
      history.push(echo(response));
    }
    const sessions = await prisma.session.findMany({ where: { externalKey: "loop-3" } });
    expect(sessions).toHaveLength(1);
    const stored = await sessionMessages(sessions[0]?.id ?? "");
    expect(stored.map((m) => m.position)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(stored.map((m) => m.content)).toEqual(history.map((m) => m.content ?? null));
    expect(sessions[0]?.messageCount).toBe(7);
  });

  it("starts a branch when the resent history diverges, leaving the old session intact", async () => {
    const first = await orchestrator.send(userRequest("p-div-1", "main", "original", { loop_id: "loop-div" }));
    const edited: ChatMessage[] = [
      { role: "user", content: "original" },
      { ...echo(first), content: "edited reply" },
      { role: "user", content: "next" },
    ];
    await orchestrator.send({ request_id: "p-div-2", loop_id: "loop-div", model: "main", messages: edited });
    const sessions = await prisma.session.findMany({ where: { externalKey: "loop-div" }, orderBy: { createdAt: "asc" } });
    expect(sessions).toHaveLength(2);
    const [old, branch] = sessions;
    expect(branch?.parentSessionId).toBe(old?.id);
    expect((await sessionMessages(old?.id ?? "")).map((m) => m.content)).toEqual(["original", first.message.content]);
    expect((await sessionMessages(branch?.id ?? "")).map((m) => m.content).slice(0, 3)).toEqual(["original", "edited reply", "next"]);
  });

  it("applies an agent's system prompt, default model and temperature; session overrides win", async () => {
    await prisma.agent.create({
      data: {
        id: "agent-coder",
        key: "coder",
        displayName: "Coder",
        systemPrompt: "You write code.",
        defaultModel: "spare",
        fallbackModels: [],
        temperature: 0.4,
      },
    });
    const response = await orchestrator.send({ request_id: "p-agent", agent: "coder", messages: [{ role: "user", content: "hi" }] });
    expect(response.endpoint).toBe("spare");
    const sent = mock.requestsFor("spare-model").at(-1)?.body as { messages: ChatMessage[]; temperature: number };
    expect(sent.messages[0]).toEqual({ role: "system", content: "You write code." });
    expect(sent.temperature).toBe(0.4);

    const byRole = await orchestrator.send({ request_id: "p-role", role: "coder", loop_id: "loop-role", messages: [{ role: "user", content: "hi" }] });
    expect(byRole.endpoint).toBe("spare");
    const session = await prisma.session.findFirstOrThrow({ where: { externalKey: "loop-role" } });
    expect(session.agentId).toBe("agent-coder");
    await prisma.session.update({ where: { id: session.id }, data: { modelOverride: "main", temperatureOverride: 0.7 } });
    const history = [{ role: "user", content: "hi" }, echo(byRole), { role: "user", content: "again" }];
    const overridden = await orchestrator.send({ request_id: "p-role-2", role: "coder", loop_id: "loop-role", messages: history });
    expect(overridden.endpoint).toBe("main");
    expect((mock.requestsFor("main-model").at(-1)?.body as { temperature: number }).temperature).toBe(0.7);
  });

  it("uses the agent's fallback model when its model fails after retries", async () => {
    await prisma.agent.create({
      data: { id: "agent-fb", key: "fallbacker", displayName: "Fallbacker", defaultModel: "main", fallbackModels: ["spare"] },
    });
    mock.enqueue("main-model", ...Array.from({ length: 3 }, () => ({ kind: "error" as const, status: 503 })));
    const response = await orchestrator.send({ request_id: "p-fallback", agent: "fallbacker", messages: [{ role: "user", content: "x" }] });
    expect(response).toMatchObject({ status: "complete", endpoint: "spare", retry_count: 2 });
  });

  it("answers a re-published request from the store without calling the model", async () => {
    const first = await orchestrator.send(userRequest("p-again", "main"));
    const calls = mock.requests.length;
    await orchestrator.publish(userRequest("p-again", "main"));
    await expect
      .poll(async () => service.metrics.registry.getSingleMetricAsString("modelbus_deliveries_total"), { timeout: 5_000 })
      .toMatch(/outcome="ack",reason="answered_from_store"} 1/);
    expect(mock.requests.length).toBe(calls);
    expect(await orchestrator.responseCount("p-again")).toBe(1);
    expect(await orchestrator.response("p-again")).toEqual(first);
  });

  it("does not call the model twice for a request still in flight", async () => {
    mock.enqueue("main-model", { kind: "text", content: "slow", delay_ms: 1_500 });
    const before = mock.requestsFor("main-model").length;
    const busy = userRequest("p-busy", "main", "hello", { timeout: "3s" });
    await orchestrator.publish(busy);
    await expect.poll(() => mock.inFlight, { timeout: 5_000 }).toBe(1);
    await orchestrator.publish(busy);
    expect((await orchestrator.response("p-busy")).message.content).toBe("slow");
    await expect
      .poll(async () => service.metrics.registry.getSingleMetricAsString("modelbus_deliveries_total"), { timeout: 10_000 })
      .toMatch(/reason="answered_from_store"} 2/);
    expect(mock.requestsFor("main-model").length).toBe(before + 1);
    expect(await service.metrics.registry.getSingleMetricAsString("modelbus_deliveries_total")).toMatch(/outcome="nak",reason="in_flight_elsewhere"} [1-9]/);
  });

  it("answers once, with the stored answer, when the claims were lost while a request was in flight", async () => {
    mock.enqueue("main-model", { kind: "text", content: "first, slow", delay_ms: 1_000 }, { kind: "text", content: "second, fast" });
    const before = mock.requestsFor("main-model").length;
    const fromStore = await metricValue(service, "modelbus_deliveries_total", { outcome: "ack", reason: "answered_from_store" });
    const lost = userRequest("p-lost", "main", "hello", { timeout: "5s" });
    await orchestrator.publish(lost);
    await expect.poll(() => mock.inFlight, { timeout: 5_000 }).toBe(1);
    // What a restart of MariaDB does to the MEMORY table of claims: the re-published request
    // is claimed again and the model called a second time.
    await queryTestDatabase(database.url, "DELETE FROM inference_claims");
    await orchestrator.publish(lost);

    expect((await orchestrator.response("p-lost")).message.content).toBe("second, fast");
    // The slow call ends later, finds the answer stored, and publishes that one (a duplicate
    // JetStream drops by its Nats-Msg-Id) instead of its own.
    await expect
      .poll(() => metricValue(service, "modelbus_deliveries_total", { outcome: "ack", reason: "answered_from_store" }), { timeout: 5_000 })
      .toBe(fromStore + 1);
    expect(mock.requestsFor("main-model").length).toBe(before + 2);
    expect(await orchestrator.responseCount("p-lost")).toBe(1);
    const stored = await prisma.inference.findUniqueOrThrow({ where: { requestId: Buffer.from("p-lost") } });
    expect((stored.response as { message: { content: string } }).message.content).toBe("second, fast");
  });
});
