import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/load-config.ts";
import type { EndpointConfig } from "../../src/config/config-schema.ts";
import type { AgentRequest } from "../../src/core/agent-request.ts";
import { buildChatParams } from "../../src/providers/build-chat-params.ts";

const endpoint = (extra: Record<string, unknown> = {}) =>
  parseConfig({ model_registry: { endpoints: { e: { provider: "openai", url: "http://x/v1", model: "provider-id", supports_tools: true, ...extra } } } })
    .model_registry.endpoints.e as EndpointConfig;

const request = (extra: Partial<AgentRequest> = {}): AgentRequest => ({
  request_id: "r",
  model: "routing-name",
  messages: [{ role: "user", content: "hi" }],
  ...extra,
});

const tool = { name: "get_weather", description: "w", parameters: { type: "object" }, strict: true };

describe("buildChatParams", () => {
  it("sends the provider model id, never the routing name", () => {
    expect(buildChatParams(request(), endpoint()).model).toBe("provider-id");
  });

  it("takes max_tokens from the request, else the endpoint's max_output_tokens", () => {
    expect(buildChatParams(request({ max_tokens: 50 }), endpoint({ max_output_tokens: 900 })).max_tokens).toBe(50);
    expect(buildChatParams(request(), endpoint({ max_output_tokens: 900 })).max_tokens).toBe(900);
    expect(buildChatParams(request(), endpoint())).not.toHaveProperty("max_tokens");
  });

  it("sends the temperature when the request has one, 0 included (the NATS door drops semstreams' 0 = unset before)", () => {
    expect(buildChatParams(request({ temperature: 0 }), endpoint()).temperature).toBe(0);
    expect(buildChatParams(request({ temperature: 0.7 }), endpoint()).temperature).toBe(0.7);
    expect(buildChatParams(request({}), endpoint())).not.toHaveProperty("temperature");
  });

  it("maps tools, strict only when true, and every tool_choice mode", () => {
    const params = buildChatParams(
      request({ tools: [tool, { ...tool, name: "b", strict: false }], tool_choice: { mode: "function", function_name: "b" } }),
      endpoint(),
    );
    expect(params.tools).toEqual([
      { type: "function", function: { name: "get_weather", description: "w", parameters: { type: "object" }, strict: true } },
      { type: "function", function: { name: "b", description: "w", parameters: { type: "object" } } },
    ]);
    expect(params.tool_choice).toEqual({ type: "function", function: { name: "b" } });
    for (const mode of ["auto", "required", "none"] as const) {
      expect(buildChatParams(request({ tools: [tool], tool_choice: { mode } }), endpoint()).tool_choice).toBe(mode);
    }
  });

  it("strips tools for endpoints without tool support", () => {
    const params = buildChatParams(request({ tools: [tool], tool_choice: { mode: "auto" } }), endpoint({ supports_tools: false }));
    expect(params).not.toHaveProperty("tools");
    expect(params).not.toHaveProperty("tool_choice");
  });

  it("maps response_format json_object and json_schema (strict kept, default true)", () => {
    expect(buildChatParams(request({ response_format: { type: "json_object" } }), endpoint()).response_format).toEqual({ type: "json_object" });
    expect(
      buildChatParams(request({ response_format: { type: "json_schema", name: "answer", schema: { type: "object" }, strict: false } }), endpoint())
        .response_format,
    ).toEqual({ type: "json_schema", json_schema: { name: "answer", schema: { type: "object" }, strict: false } });
    expect(buildChatParams(request({ response_format: { type: "json_schema", name: "a", schema: {} } }), endpoint()).response_format).toMatchObject({
      json_schema: { strict: true },
    });
  });

  it("sends assistant tool calls with JSON-string arguments and never reasoning_content", () => {
    const params = buildChatParams(
      request({
        messages: [
          { role: "user", content: "q" },
          { role: "assistant", reasoning_content: "secret thoughts", tool_calls: [{ id: "c1", name: "f", arguments: { a: 1 } }] },
          { role: "tool", tool_call_id: "c1", name: "f", content: "42" },
        ],
      }),
      endpoint(),
    );
    expect(params.messages[1]).toEqual({
      role: "assistant",
      content: null,
      tool_calls: [{ id: "c1", type: "function", function: { name: "f", arguments: '{"a":1}' } }],
    });
    expect(JSON.stringify(params)).not.toContain("secret thoughts");
    expect(params.messages[2]).toEqual({ role: "tool", content: "42", tool_call_id: "c1", name: "f" });
  });

  it("passes endpoint options as chat_template_kwargs and reasoning_effort", () => {
    const params = buildChatParams(request(), endpoint({ options: { enable_thinking: false }, reasoning_effort: "low" }));
    expect(params).toMatchObject({ chat_template_kwargs: { enable_thinking: false }, reasoning_effort: "low" });
  });
});
