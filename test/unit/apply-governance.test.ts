import { describe, expect, it } from "vitest";
import type { AgentRequest } from "../../src/core/agent-request.ts";
import type { AgentSettings } from "../../src/core/governance.ts";
import { applyGovernance } from "../../src/pipeline/apply-governance.ts";

const request = (extra: Partial<AgentRequest> = {}): AgentRequest => ({
  request_id: "r",
  model: "",
  messages: [{ role: "user", content: "hi" }],
  ...extra,
});
const tool = (name: string) => ({ name, description: "", parameters: { type: "object" } });
const agent: AgentSettings = {
  id: "a1",
  key: "coder",
  systemPrompt: "You write code.",
  defaultModel: "smart",
  fallbackModels: ["fast", "smart", "cheap"],
  temperature: 0.3,
  tools: [tool("read_file"), tool("write_file")],
};

describe("applyGovernance", () => {
  it("fills model, temperature, system prompt and tools from the agent", () => {
    const { request: governed, fallbackModels } = applyGovernance(request(), agent);
    expect(governed.model).toBe("smart");
    expect(governed.temperature).toBe(0.3);
    expect(governed.messages[0]).toEqual({ role: "system", content: "You write code." });
    expect(governed.tools?.map((t) => t.name)).toEqual(["read_file", "write_file"]);
    expect(fallbackModels).toEqual(["fast", "cheap"]);
  });

  it("lets request fields win over session overrides and agent settings", () => {
    const { request: governed } = applyGovernance(
      request({
        model: "mine",
        temperature: 0.9,
        messages: [
          { role: "system", content: "own" },
          { role: "user", content: "x" },
        ],
      }),
      agent,
      { modelOverride: "session-model", temperatureOverride: 0.1 },
    );
    expect(governed.model).toBe("mine");
    expect(governed.temperature).toBe(0.9);
    expect(governed.messages.filter((m) => m.role === "system")).toEqual([{ role: "system", content: "own" }]);
  });

  it("lets session overrides win over the agent, and filters tools to the allowed ones", () => {
    const { request: governed } = applyGovernance(request(), agent, {
      modelOverride: "session-model",
      temperatureOverride: 0,
      allowedTools: ["write_file"],
    });
    expect(governed.model).toBe("session-model");
    expect(governed.temperature).toBe(0);
    expect(governed.tools?.map((t) => t.name)).toEqual(["write_file"]);
  });

  it("leaves a request without agent or session untouched", () => {
    const original = request({ model: "m" });
    expect(applyGovernance(original).request).toBe(original);
  });
});
