import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/load-config.ts";
import { ModelRegistry } from "../../src/registry/model-registry.ts";

function registry(extra: Record<string, unknown> = {}) {
  const config = parseConfig({
    model_registry: {
      endpoints: {
        big: { provider: "mock", model: "big-model", supports_tools: true },
        small: { provider: "mock", model: "small-model" },
        coder: { provider: "mock", model: "coder-model", supports_tools: true },
      },
      model_aliases: { fast: "small" },
      capabilities: {
        coding: { preferred: ["coder"], fallback: ["big", "small"] },
        tooling: { preferred: ["small", "big"], requires_tools: true },
        big: { preferred: ["coder"] },
      },
      ...extra,
    },
  });
  return new ModelRegistry(config.model_registry);
}

describe("model resolution", () => {
  it("resolves a capability to its preferred + fallback chain", () => {
    expect(registry().resolve("coding")).toMatchObject({ source: "capability", endpoints: ["coder", "big", "small"] });
  });

  it("filters a requires_tools chain to endpoints that support tools", () => {
    expect(registry().resolve("tooling")?.endpoints).toEqual(["big"]);
  });

  it("prefers a capability over an endpoint of the same name", () => {
    expect(registry().resolve("big")).toMatchObject({ source: "capability", endpoints: ["coder"] });
  });

  it("resolves an exact endpoint name, then an alias", () => {
    expect(registry().resolve("coder")).toMatchObject({ source: "endpoint", endpoints: ["coder"] });
    expect(registry().resolve("fast")).toMatchObject({ source: "alias", endpoints: ["small"] });
  });

  it("falls back to the default model, which may be an alias", () => {
    expect(registry({ defaults: { model: "fast" } }).resolve("gpt-9")).toMatchObject({ source: "default", endpoints: ["small"] });
    expect(registry({ defaults: { model: "coder" } }).resolve("")).toMatchObject({ source: "default", endpoints: ["coder"] });
  });

  it("returns undefined for an unknown model without a default", () => {
    expect(registry().resolve("gpt-9")).toBeUndefined();
    expect(registry().resolve("")).toBeUndefined();
  });

  it("does not resolve inherited object keys as names", () => {
    expect(registry().resolve("constructor")).toBeUndefined();
    expect(registry().resolve("toString")).toBeUndefined();
  });
});
