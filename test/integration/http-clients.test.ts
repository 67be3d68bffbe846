/**
 * The client libraries people actually use, unchanged, against modelbus's OpenAI door
 * (`/v1/chat/completions`), JSON and SSE, backed by the built-in mock provider:
 *
 *   Vercel AI SDK   ai@6.0.333 + @ai-sdk/openai-compatible@2.0.92 (createOpenAICompatible)
 *   LangChain       @langchain/openai@1.5.8 + @langchain/core@1.4.0 (ChatOpenAI)
 *
 * The mock answers `mock answer: <last user text>` and calls the first tool when the last
 * message is a user message mentioning "weather"; its usage is ceil(chars / 4) per side.
 * Each test checks what the client parsed and what the mock provider was sent.
 */
import { createOpenAICompatible } from "@ai-sdk/openai-compatible";
import { AIMessage, AIMessageChunk, HumanMessage, ToolMessage, type BaseMessage } from "@langchain/core/messages";
import { tool as langchainTool } from "@langchain/core/tools";
import { ChatOpenAI } from "@langchain/openai";
import { APICallError, generateText, stepCountIs, streamText, tool } from "ai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import type { Service } from "../../src/main.ts";
import type { MockProviderServer } from "../../src/providers/mock/mock-provider-server.ts";
import { httpTestConfig, startHttpTestService, testApiKey } from "../support/http-test-service.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";
import { uniqueNames } from "../support/test-service.ts";

let database: TestDatabase;
let service: Service;
let mock: MockProviderServer;
let modelbus: ReturnType<typeof createOpenAICompatible>;

beforeAll(async () => {
  database = await createTestDatabase();
  service = await startHttpTestService(httpTestConfig(uniqueNames()), { databaseUrl: database.url });
  mock = service.mockProvider as MockProviderServer;
  modelbus = createOpenAICompatible({ name: "modelbus", baseURL: `${service.httpUrl}/v1`, apiKey: testApiKey, includeUsage: true });
});

afterAll(async () => {
  await service?.stop();
  await database?.drop();
});

interface SentMessage {
  role: string;
  content?: unknown;
  tool_call_id?: string;
  tool_calls?: Array<{ id: string; type: string; function: { name: string; arguments: string } }>;
}
interface SentBody {
  model: string;
  messages: SentMessage[];
  tools?: Array<{ type: string; function: { name: string; parameters?: Record<string, unknown> } }>;
}

/** Runs `call` and returns its result with the request bodies the mock provider received meanwhile. */
async function withProviderTraffic<T>(call: () => Promise<T>): Promise<{ result: T; sent: SentBody[] }> {
  const before = mock.requests.length;
  const result = await call();
  return { result, sent: mock.requests.slice(before).map((request) => request.body as SentBody) };
}

/** The mock's deterministic usage for one user text answered with `mock answer: <text>`. */
function mockUsage(userText: string) {
  const input = Math.ceil(userText.length / 4);
  const output = Math.ceil(`mock answer: ${userText}`.length / 4);
  return { input, output, total: input + output };
}

const weatherQuestion = "What is the weather in London?";
const weatherResult = { temp_c: 12, sky: "overcast" };
// A tool without `execute` also names its output schema: with exactOptionalPropertyTypes the
// AI SDK's `Tool<INPUT, never>` (no execute, no outputSchema) is not assignable to ToolSet.
const weatherOutput = z.object({ temp_c: z.number(), sky: z.string() });

describe("Vercel AI SDK (ai + @ai-sdk/openai-compatible) against the OpenAI door", () => {
  it("generateText: the mock's answer, finish reason, usage and response metadata", async () => {
    const { result, sent } = await withProviderTraffic(() => generateText({ model: modelbus("main"), prompt: "hello there", maxRetries: 0 }));
    expect(result.text).toBe("mock answer: hello there");
    expect(result.finishReason).toBe("stop");
    const usage = mockUsage("hello there");
    expect(result.usage).toMatchObject({ inputTokens: usage.input, outputTokens: usage.output, totalTokens: usage.total });
    expect(result.response.id).toMatch(/^chatcmpl-http-/);
    expect(result.response.modelId).toBe("main");
    expect(result.toolCalls).toEqual([]);

    expect(sent).toHaveLength(1);
    expect(sent[0]?.model).toBe("main-model");
    expect(sent[0]?.messages).toEqual([{ role: "user", content: "hello there" }]);
  });

  it("streamText: ordered text deltas that add up to the non-streamed answer, with finish reason and usage", async () => {
    const prompt = "stream me a slightly longer answer please";
    const expected = await generateText({ model: modelbus("main"), prompt, maxRetries: 0 });

    const { result: parts, sent } = await withProviderTraffic(async () => {
      const stream = streamText({ model: modelbus("main"), prompt, maxRetries: 0 });
      const seen: Array<{ type: string; [key: string]: unknown }> = [];
      for await (const part of stream.fullStream) seen.push(part as { type: string });
      return { seen, text: await stream.text, finishReason: await stream.finishReason, usage: await stream.usage };
    });
    expect(parts.seen.filter((part) => part.type === "error")).toEqual([]);
    const deltas = parts.seen.filter((part) => part.type === "text-delta").map((part) => part.text as string);
    expect(deltas.length).toBeGreaterThan(1); // the mock streams ~8-character pieces and modelbus relays them
    let prefix = "";
    for (const delta of deltas) {
      prefix += delta;
      expect(expected.text.startsWith(prefix)).toBe(true); // in order: every prefix is a prefix of the answer
    }
    expect(deltas.join("")).toBe(`mock answer: ${prompt}`);
    expect(parts.text).toBe(expected.text);
    expect(parts.finishReason).toBe("stop");
    const usage = mockUsage(prompt);
    expect(parts.usage).toMatchObject({ inputTokens: usage.input, outputTokens: usage.output, totalTokens: usage.total });
    expect(parts.usage.inputTokens).toBe(expected.usage.inputTokens);
    const finish = parts.seen.find((part) => part.type === "finish");
    expect(finish).toMatchObject({ finishReason: "stop", totalUsage: { totalTokens: usage.total } });

    expect(sent).toHaveLength(1);
    expect(sent[0]?.messages).toEqual([{ role: "user", content: prompt }]);
  });

  it("tool calls: name and parsed input, without executing", async () => {
    const getWeather = tool({ description: "weather for a city", inputSchema: z.object({ location: z.string() }), outputSchema: weatherOutput });
    const { result, sent } = await withProviderTraffic(() =>
      generateText({ model: modelbus("general"), tools: { get_weather: getWeather }, prompt: weatherQuestion, maxRetries: 0 }),
    );
    expect(result.finishReason).toBe("tool-calls");
    expect(result.text).toBe("");
    expect(result.toolCalls).toHaveLength(1);
    const call = result.toolCalls[0];
    expect(call).toMatchObject({ type: "tool-call", toolName: "get_weather", input: { location: "London" } });
    expect(call?.toolCallId).toEqual(expect.any(String));
    expect(call?.toolCallId.length).toBeGreaterThan(0);
    expect(result.toolResults).toEqual([]);

    expect(sent).toHaveLength(1);
    expect(sent[0]?.tools?.map((entry) => entry.function.name)).toEqual(["get_weather"]);
    expect(sent[0]?.tools?.[0]?.function.parameters).toMatchObject({ type: "object", properties: { location: { type: "string" } }, required: ["location"] });
  });

  it("tool round trip with stopWhen: the tool runs, its result goes back as a tool message, the model answers", async () => {
    const inputs: unknown[] = [];
    const getWeather = tool({
      description: "weather for a city",
      inputSchema: z.object({ location: z.string() }),
      execute: async (input) => {
        inputs.push(input);
        return weatherResult;
      },
    });
    const { result, sent } = await withProviderTraffic(() =>
      generateText({ model: modelbus("general"), tools: { get_weather: getWeather }, stopWhen: stepCountIs(2), prompt: weatherQuestion, maxRetries: 0 }),
    );
    expect(inputs).toEqual([{ location: "London" }]);
    expect(result.steps).toHaveLength(2);
    const call = result.steps[0]?.toolCalls[0];
    expect(result.steps[0]?.finishReason).toBe("tool-calls");
    expect(call).toMatchObject({ toolName: "get_weather", input: { location: "London" } });
    expect(result.steps[0]?.toolResults[0]).toMatchObject({ toolCallId: call?.toolCallId, output: weatherResult });
    expect(result.finishReason).toBe("stop");
    expect(result.text).toBe(`mock answer: ${weatherQuestion}`);
    expect(result.totalUsage.totalTokens).toBe((result.steps[0]?.usage.totalTokens ?? 0) + (result.steps[1]?.usage.totalTokens ?? 0));

    expect(sent).toHaveLength(2);
    const second = sent[1] as SentBody;
    expect(second.messages.map((message) => message.role)).toEqual(["user", "assistant", "tool"]);
    expect(second.messages[0]?.content).toBe(weatherQuestion);
    expect(second.messages[1]?.tool_calls).toHaveLength(1);
    expect(second.messages[1]?.tool_calls?.[0]).toMatchObject({ id: call?.toolCallId, function: { name: "get_weather" } });
    expect(JSON.parse(second.messages[1]?.tool_calls?.[0]?.function.arguments ?? "")).toEqual({ location: "London" });
    expect(second.messages[2]?.tool_call_id).toBe(call?.toolCallId);
    expect(JSON.parse(String(second.messages[2]?.content))).toEqual(weatherResult);
  });

  it("tool round trip by hand, streamed: tool call parts over SSE, then the result sent back in messages", async () => {
    const getWeather = tool({ description: "weather for a city", inputSchema: z.object({ location: z.string() }), outputSchema: weatherOutput });
    const tools = { get_weather: getWeather };
    const first = streamText({ model: modelbus("general"), tools, prompt: weatherQuestion, maxRetries: 0 });
    const parts: Array<{ type: string; [key: string]: unknown }> = [];
    for await (const part of first.fullStream) parts.push(part as { type: string });
    expect(parts.filter((part) => part.type === "error")).toEqual([]);
    expect(await first.finishReason).toBe("tool-calls");
    const calls = await first.toolCalls;
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ toolName: "get_weather", input: { location: "London" } });
    const callId = calls[0]?.toolCallId as string;
    expect(parts.find((part) => part.type === "tool-call")).toMatchObject({ toolCallId: callId, toolName: "get_weather" });
    expect((await first.usage).totalTokens).toBeGreaterThan(0);

    const response = await first.response;
    expect(response.messages.map((message) => message.role)).toEqual(["assistant"]);
    const { result, sent } = await withProviderTraffic(() =>
      generateText({
        model: modelbus("general"),
        tools,
        maxRetries: 0,
        messages: [
          { role: "user", content: weatherQuestion },
          ...response.messages,
          { role: "tool", content: [{ type: "tool-result", toolCallId: callId, toolName: "get_weather", output: { type: "json", value: weatherResult } }] },
        ],
      }),
    );
    expect(result.text).toBe(`mock answer: ${weatherQuestion}`);
    expect(result.finishReason).toBe("stop");
    expect(sent).toHaveLength(1);
    expect(sent[0]?.messages.map((message) => message.role)).toEqual(["user", "assistant", "tool"]);
    expect(sent[0]?.messages[1]?.tool_calls?.[0]?.id).toBe(callId);
    expect(sent[0]?.messages[2]?.tool_call_id).toBe(callId);
    expect(JSON.parse(String(sent[0]?.messages[2]?.content))).toEqual(weatherResult);
  });

  it("errors: an unknown model is an APICallError carrying OpenAI's error fields and our code", async () => {
    const failure: unknown = await generateText({ model: modelbus("no-such-model"), prompt: "hi", maxRetries: 0 }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(APICallError.isInstance(failure)).toBe(true);
    const error = failure as APICallError;
    expect(error.statusCode).toBe(404);
    expect(error.isRetryable).toBe(false);
    expect(error.data).toMatchObject({
      error: { code: "E_MODEL_UNKNOWN", type: "invalid_request_error", param: null, message: expect.stringContaining("no-such-model") },
    });
    expect(error.message).toContain("no-such-model");
  });
});

describe("LangChain (@langchain/openai ChatOpenAI) against the OpenAI door", () => {
  const chat = (model: string) => new ChatOpenAI({ model, apiKey: testApiKey, configuration: { baseURL: `${service.httpUrl}/v1` }, maxRetries: 0 });

  const getWeather = langchainTool(async ({ location }: { location: string }) => JSON.stringify({ ...weatherResult, location }), {
    name: "get_weather",
    description: "weather for a city",
    schema: z.object({ location: z.string() }),
  });

  it("invoke: the mock's content, finish reason, usage metadata and id", async () => {
    const { result, sent } = await withProviderTraffic(() => chat("main").invoke("hello from langchain"));
    expect(result).toBeInstanceOf(AIMessage);
    expect(result.content).toBe("mock answer: hello from langchain");
    expect(result.tool_calls).toEqual([]);
    expect(result.id).toMatch(/^chatcmpl-http-/);
    expect(result.response_metadata).toMatchObject({ finish_reason: "stop", model_name: "main" });
    const usage = mockUsage("hello from langchain");
    expect(result.usage_metadata).toMatchObject({ input_tokens: usage.input, output_tokens: usage.output, total_tokens: usage.total });

    expect(sent).toHaveLength(1);
    expect(sent[0]?.messages).toEqual([{ role: "user", content: "hello from langchain" }]);
  });

  it("stream: chunks concatenate to the invoked answer, with usage at the end", async () => {
    const prompt = "langchain, stream this answer in pieces";
    const chunks: AIMessageChunk[] = [];
    for await (const chunk of await chat("main").stream(prompt)) chunks.push(chunk);
    const texts = chunks.map((chunk) => chunk.content).filter((content) => content !== "");
    expect(texts.every((text) => typeof text === "string")).toBe(true);
    expect(texts.length).toBeGreaterThan(1);
    expect(texts.join("")).toBe(`mock answer: ${prompt}`);

    const merged = chunks.reduce((sum, chunk) => sum.concat(chunk));
    expect(merged.content).toBe(`mock answer: ${prompt}`);
    expect(merged.response_metadata).toMatchObject({ finish_reason: "stop" });
    const usage = mockUsage(prompt);
    expect(merged.usage_metadata).toMatchObject({ input_tokens: usage.input, output_tokens: usage.output, total_tokens: usage.total });

    const invoked = await chat("main").invoke(prompt);
    expect(invoked.content).toBe(merged.content);
  });

  it("bindTools: tool_calls with name, args and id, then a ToolMessage back and a final answer", async () => {
    const model = chat("general").bindTools([getWeather]);
    const question = new HumanMessage(weatherQuestion);
    const { result: first, sent: firstSent } = await withProviderTraffic(() => model.invoke([question]));
    expect(first.response_metadata).toMatchObject({ finish_reason: "tool_calls" });
    expect(first.tool_calls).toHaveLength(1);
    const call = first.tool_calls?.[0];
    expect(call).toMatchObject({ type: "tool_call", name: "get_weather", args: { location: "London" }, id: expect.any(String) });
    expect(call?.id?.length).toBeGreaterThan(0);
    expect(first.invalid_tool_calls ?? []).toEqual([]);
    expect(firstSent[0]?.tools?.map((entry) => entry.function.name)).toEqual(["get_weather"]);

    const toolMessage = await getWeather.invoke(call as NonNullable<typeof call>);
    expect(toolMessage).toBeInstanceOf(ToolMessage);
    expect(toolMessage.tool_call_id).toBe(call?.id);
    const messages: BaseMessage[] = [question, first, toolMessage];
    const { result: final, sent } = await withProviderTraffic(() => model.invoke(messages));
    expect(final.content).toBe(`mock answer: ${weatherQuestion}`);
    expect(final.tool_calls).toEqual([]);
    expect(final.response_metadata).toMatchObject({ finish_reason: "stop" });

    expect(sent).toHaveLength(1);
    const body = sent[0] as SentBody;
    expect(body.messages.map((message) => message.role)).toEqual(["user", "assistant", "tool"]);
    expect(body.messages[1]?.tool_calls?.[0]).toMatchObject({ id: call?.id, function: { name: "get_weather" } });
    expect(JSON.parse(body.messages[1]?.tool_calls?.[0]?.function.arguments ?? "")).toEqual({ location: "London" });
    expect(body.messages[2]?.tool_call_id).toBe(call?.id);
    expect(JSON.parse(String(body.messages[2]?.content))).toEqual({ ...weatherResult, location: "London" });
  });

  it("bindTools, streamed: tool call chunks over SSE merge into one parsed tool call", async () => {
    const model = chat("general").bindTools([getWeather]);
    let merged: AIMessageChunk | undefined;
    for await (const chunk of await model.stream([new HumanMessage(weatherQuestion)])) merged = merged === undefined ? chunk : merged.concat(chunk);
    expect(merged?.tool_calls).toHaveLength(1);
    expect(merged?.tool_calls?.[0]).toMatchObject({ name: "get_weather", args: { location: "London" }, id: expect.any(String) });
    expect(merged?.response_metadata).toMatchObject({ finish_reason: "tool_calls" });

    const messages: BaseMessage[] = [
      new HumanMessage(weatherQuestion),
      merged as AIMessageChunk,
      new ToolMessage({ tool_call_id: merged?.tool_calls?.[0]?.id ?? "", content: "12C" }),
    ];
    const { result: final, sent } = await withProviderTraffic(() => model.invoke(messages));
    expect(final.content).toBe(`mock answer: ${weatherQuestion}`);
    expect(sent[0]?.messages.map((message) => message.role)).toEqual(["user", "assistant", "tool"]);
    expect(sent[0]?.messages[2]).toMatchObject({ tool_call_id: merged?.tool_calls?.[0]?.id, content: "12C" });
  });

  it("errors: a request the door refuses surfaces with the status, OpenAI's type and param, and our code", async () => {
    const refused = (await new ChatOpenAI({
      model: "main",
      temperature: 3,
      apiKey: testApiKey,
      configuration: { baseURL: `${service.httpUrl}/v1` },
      maxRetries: 0,
    })
      .invoke([new HumanMessage("hi")])
      .then(
        () => undefined,
        (error: unknown) => error,
      )) as { status?: number; code?: string; type?: string; param?: string | null; message: string } | undefined;
    expect(refused).toMatchObject({ status: 400, code: "E_REQUEST_INVALID", type: "invalid_request_error", param: "temperature" });
    expect(refused?.message).toContain("temperature");
  });
});
