import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Service } from "../../src/main.ts";
import type { MockProviderServer } from "../../src/providers/mock/mock-provider-server.ts";
import { HttpTestClient, httpTestConfig, sseData, startHttpTestService, type LooseJson } from "../support/http-test-service.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";
import { uniqueNames } from "../support/test-service.ts";

let database: TestDatabase;
let service: Service;
let client: HttpTestClient;
let mock: MockProviderServer;

beforeAll(async () => {
  database = await createTestDatabase();
  service = await startHttpTestService(httpTestConfig(uniqueNames()), { databaseUrl: database.url });
  client = new HttpTestClient(service.httpUrl);
  mock = service.mockProvider as MockProviderServer;
  const agent = await client.post("/v1/agents", {
    key: "tutor",
    system_prompt: "You are a patient tutor.",
    default_model: "main",
    temperature: 0.2,
    tools: [{ name: "get_weather", description: "weather for a city", parameters: { type: "object", properties: { city: { type: "string" } } } }],
  });
  expect(agent.status).toBe(201);
});

afterAll(async () => {
  await service?.stop();
  await database?.drop();
});

type SentBody = { model: string; temperature?: number; messages: Array<{ role: string; content?: string | null; tool_call_id?: string }>; tools?: unknown[] };
const lastSent = () => mock.requests.at(-1)?.body as SentBody;

async function newSession(extra: Record<string, unknown> = {}): Promise<string> {
  const created = await client.post("/v1/sessions", { agent: "tutor", ...extra });
  expect(created.status).toBe(201);
  return created.body.id as string;
}

async function allMessages(sessionId: string): Promise<LooseJson[]> {
  const messages: LooseJson[] = [];
  let cursor: string | null = null;
  do {
    const page: LooseJson = await client.get(`/v1/sessions/${sessionId}/messages?limit=2${cursor ? `&cursor=${cursor}` : ""}`);
    expect(page.status).toBe(200);
    messages.push(...page.body.data);
    cursor = page.body.next_cursor;
  } while (cursor !== null);
  return messages;
}

describe("conversations, sessions and session chat", () => {
  it("chats over three turns, sending the stored history with the agent's system prompt first", async () => {
    const conversation = await client.post("/v1/conversations", { title: "algebra", agent: "tutor" });
    expect(conversation.status).toBe(201);
    const sessionId = await newSession({ conversation_id: conversation.body.id, temperature: 0.7 });

    const texts = ["first question", "second question", "third question"];
    for (const text of texts) {
      const turn = await client.post(`/v1/sessions/${sessionId}/messages`, { content: text });
      expect(turn.status).toBe(200);
      expect(turn.body).toMatchObject({
        session_id: sessionId,
        replayed: false,
        status: "complete",
        message: { role: "assistant", content: `mock answer: ${text}` },
      });
      expect(turn.body.usage.total_tokens).toBeGreaterThan(0);
    }
    const sent = lastSent();
    expect(sent.model).toBe("main-model");
    expect(sent.temperature).toBe(0.7); // the session's override wins over the agent's 0.2
    expect(sent.messages.map((message) => [message.role, message.content])).toEqual([
      ["system", "You are a patient tutor."],
      ["user", "first question"],
      ["assistant", "mock answer: first question"],
      ["user", "second question"],
      ["assistant", "mock answer: second question"],
      ["user", "third question"],
    ]);

    const stored = await allMessages(sessionId);
    expect(stored.map((message) => [message.position, message.role, message.content])).toEqual([
      [0, "user", "first question"],
      [1, "assistant", "mock answer: first question"],
      [2, "user", "second question"],
      [3, "assistant", "mock answer: second question"],
      [4, "user", "third question"],
      [5, "assistant", "mock answer: third question"],
    ]);
    expect(stored[1].model).toBe("main-model");
    expect((await client.get(`/v1/sessions/${sessionId}`)).body).toMatchObject({ message_count: 6, temperature: 0.7, conversation_id: conversation.body.id });

    const sessions = await client.get(`/v1/conversations/${conversation.body.id}/sessions`);
    expect(sessions.body.data.map((session: { id: string }) => session.id)).toEqual([sessionId]);

    const json = await client.get(`/v1/sessions/${sessionId}/transcript`);
    expect(json.body.agent).toMatchObject({ key: "tutor", system_prompt: "You are a patient tutor." });
    expect(json.body.messages).toHaveLength(6);
    const text = await client.get(`/v1/sessions/${sessionId}/transcript?format=text`);
    expect(text.headers.get("content-type")).toMatch(/^text\/plain/);
    expect(text.text).toContain("system (agent prompt): You are a patient tutor.\nuser: first question\nassistant: mock answer: first question\n");
    const whole = await client.get(`/v1/conversations/${conversation.body.id}/transcript?format=text`);
    expect(whole.text).toMatch(/^# conversation .* · algebra\n/);
    expect(whole.text).toContain("assistant: mock answer: third question");
    const wholeJson = await client.get(`/v1/conversations/${conversation.body.id}/transcript`);
    expect(wholeJson.body.sessions[0].messages).toHaveLength(6);
  });

  it("returns and stores tool calls, and takes the tool results on the next turn", async () => {
    const sessionId = await newSession({ allowed_tools: ["get_weather"] });
    const call = await client.post(`/v1/sessions/${sessionId}/messages`, { content: "What is the weather in Oslo?" });
    expect(call.body.status).toBe("tool_call");
    expect(call.body.finish_reason).toBeDefined();
    const toolCall = call.body.message.tool_calls[0];
    expect(toolCall).toMatchObject({ id: expect.any(String), name: "get_weather", arguments: expect.any(Object) });
    expect(lastSent().tools).toHaveLength(1);

    const answer = await client.post(`/v1/sessions/${sessionId}/messages`, { tool_results: [{ tool_call_id: toolCall.id, content: '{"temp_c":3}' }] });
    expect(answer.status).toBe(200);
    expect(answer.body.status).toBe("complete");
    expect(lastSent().messages.map((message) => message.role)).toEqual(["system", "user", "assistant", "tool"]);

    const stored = await allMessages(sessionId);
    expect(stored.map((message) => message.role)).toEqual(["user", "assistant", "tool", "assistant"]);
    expect(stored[1].tool_calls).toEqual([toolCall]);
    expect(stored[2]).toMatchObject({ tool_call_id: toolCall.id, content: '{"temp_c":3}' });
  });

  it("streams a turn over SSE in OpenAI's chunk format and has stored it when [DONE] arrives", async () => {
    const sessionId = await newSession();
    const response = await client.post(`/v1/sessions/${sessionId}/messages`, { content: "stream this turn" }, { headers: { accept: "text/event-stream" } });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
    expect(response.text.endsWith("data: [DONE]\n\n")).toBe(true);
    const data = sseData(response.text);
    const chunks = data.slice(0, -1).map((payload) => JSON.parse(payload));
    expect(chunks[0]).toMatchObject({
      object: "chat.completion.chunk",
      model: "main",
      choices: [{ index: 0, delta: { role: "assistant", content: "" }, finish_reason: null }],
    });
    const content = chunks.map((chunk) => chunk.choices[0]?.delta?.content ?? "").join("");
    expect(content).toBe("mock answer: stream this turn");
    expect(chunks.find((chunk) => chunk.choices[0]?.finish_reason)?.choices[0].finish_reason).toBe("stop");
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { total_tokens: expect.any(Number) } });

    // Saved before the stream finished: the very next read sees the turn.
    const stored = await allMessages(sessionId);
    expect(stored.map((message) => [message.role, message.content])).toEqual([
      ["user", "stream this turn"],
      ["assistant", "mock answer: stream this turn"],
    ]);
  });

  it("answers 400, 404 and 409 with the shared error shape", async () => {
    const sessionId = await newSession();
    const empty = await client.post(`/v1/sessions/${sessionId}/messages`, {});
    expect(empty.status).toBe(400);
    expect(empty.body.error.message).toBe("content: is required (or tool_results)");
    expect((await client.post("/v1/sessions/00000000-0000-7000-8000-000000000000/messages", { content: "hi" })).body.error.code).toBe("E_NOT_FOUND");
    expect((await client.post("/v1/sessions", { agent: "nobody" })).status).toBe(404);
    const badModel = await client.post("/v1/sessions", { agent: "tutor", model: "ghost" });
    expect(badModel.status).toBe(400);
    expect(badModel.body.error.message).toMatch(/^model: /);

    const doomed = await client.post("/v1/agents", { key: "doomed", default_model: "main" });
    const orphan = await client.post("/v1/sessions", { agent: "doomed" });
    await client.delete(`/v1/agents/${doomed.body.id}`);
    const conflict = await client.post(`/v1/sessions/${orphan.body.id}/messages`, { content: "hello?" });
    expect(conflict.status).toBe(409);
    expect(conflict.body.error.code).toBe("E_CONFLICT");
  });
});
