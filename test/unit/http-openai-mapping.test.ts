import { describe, expect, it } from "vitest";
import { openAIChatRequestSchema } from "../../src/transports/http/openai-chat-request-schema.ts";
import { openAIFinishReason, toChatCompletion } from "../../src/transports/http/to-chat-completion.ts";
import { toAgentRequest } from "../../src/transports/http/to-agent-request.ts";

const parse = (body: unknown) => openAIChatRequestSchema.parse(body);

describe("OpenAI chat request → AgentRequest", () => {
  it("maps messages, tools, tool_choice, response_format, limits and stream", () => {
    const request = toAgentRequest(
      parse({
        model: "general",
        messages: [
          { role: "developer", content: "be brief" },
          {
            role: "user",
            content: [
              { type: "text", text: "a" },
              { type: "text", text: "b" },
            ],
            name: "ann",
          },
          { role: "assistant", content: null, tool_calls: [{ id: "c1", type: "function", function: { name: "f", arguments: '{"x":1}' } }] },
          { role: "tool", tool_call_id: "c1", content: "42" },
        ],
        tools: [{ type: "function", function: { name: "f", description: "does f", parameters: { type: "object" }, strict: true } }],
        tool_choice: { type: "function", function: { name: "f" } },
        response_format: { type: "json_schema", json_schema: { name: "out", schema: { type: "object" }, strict: true } },
        max_tokens: 10,
        max_completion_tokens: 20,
        temperature: 0.5,
        top_p: 0.9,
        user: "someone",
        metadata: { team: "x" },
      }),
      "http-1",
      true,
    );
    expect(request).toEqual({
      request_id: "http-1",
      model: "general",
      messages: [
        { role: "system", content: "be brief" },
        { role: "user", content: "a\nb", name: "ann" },
        { role: "assistant", tool_calls: [{ id: "c1", name: "f", arguments: { x: 1 } }] },
        { role: "tool", tool_call_id: "c1", content: "42" },
      ],
      tools: [{ name: "f", description: "does f", parameters: { type: "object" }, strict: true }],
      tool_choice: { mode: "function", function_name: "f" },
      response_format: { type: "json_schema", name: "out", schema: { type: "object" }, strict: true },
      max_tokens: 20,
      temperature: 0.5,
      metadata: { team: "x" },
      stream: true,
    });
  });

  it("drops response_format text and maps string tool_choice", () => {
    const request = toAgentRequest(
      parse({ model: "m", messages: [{ role: "user", content: "hi" }], response_format: { type: "text" }, tool_choice: "required" }),
      "r",
      false,
    );
    expect(request.response_format).toBeUndefined();
    expect(request.tool_choice).toEqual({ mode: "required" });
    expect(request).not.toHaveProperty("stream");
  });

  it("refuses what it cannot honour, naming the field", () => {
    const image = openAIChatRequestSchema.safeParse({ model: "m", messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "x" } }] }] });
    expect(image.success).toBe(false);
    expect(image.error?.issues[0]).toMatchObject({
      path: ["messages", 0, "content", 0],
      message: 'content part type "image_url" is not supported (text only)',
    });
    expect(openAIChatRequestSchema.safeParse({ model: "m", n: 2, messages: [{ role: "user", content: "x" }] }).error?.issues[0]?.message).toBe(
      "only n=1 is supported",
    );
    expect(() => toAgentRequest(parse({ model: "m", messages: [{ role: "user", content: "" }] }), "r", false)).toThrow(/messages\.0\.content/);
  });
});

describe("AgentResponse → chat.completion", () => {
  it("uses the requested model name, JSON-string arguments, null content with tool calls and total_tokens", () => {
    const completion = toChatCompletion(
      {
        request_id: "r9",
        status: "tool_call",
        finish_reason: "stop",
        message: { role: "assistant", tool_calls: [{ id: "c", name: "f", arguments: { a: [1] } }] },
        token_usage: { prompt_tokens: 4, completion_tokens: 6 },
        endpoint: "main",
        provider_model: "main-model",
      },
      "general",
      123,
    );
    expect(completion).toEqual({
      id: "chatcmpl-r9",
      object: "chat.completion",
      created: 123,
      model: "general",
      choices: [
        {
          index: 0,
          message: {
            role: "assistant",
            content: null,
            refusal: null,
            tool_calls: [{ id: "c", type: "function", function: { name: "f", arguments: '{"a":[1]}' } }],
          },
          logprobs: null,
          finish_reason: "tool_calls",
        },
      ],
      usage: { prompt_tokens: 4, completion_tokens: 6, total_tokens: 10 },
    });
  });

  it("maps finish reasons from the status", () => {
    expect(openAIFinishReason({ status: "complete", finish_reason: "stop" })).toBe("stop");
    expect(openAIFinishReason({ status: "complete", finish_reason: "STOP" })).toBe("stop");
    expect(openAIFinishReason({ status: "complete", finish_reason: "content_filter" })).toBe("content_filter");
    expect(openAIFinishReason({ status: "length_truncated", finish_reason: "length" })).toBe("length");
    expect(openAIFinishReason({ status: "tool_call", finish_reason: "stop" })).toBe("tool_calls");
  });
});
