/**
 * Every `model_registry` block semstreams ships (test/fixtures/semstreams/registry, sources in
 * SOURCES.md there) loads unchanged and means what it means in semstreams: omitted
 * `supports_tools` is false, omitted `provider` is the generic adapter, placeholders and
 * unset key variables load (with a warning), capabilities route to their chains.
 */
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { registryWarnings } from "../../src/config/check-registry-references.ts";
import { parseConfig } from "../../src/config/load-config.ts";
import { parseDuration } from "../../src/config/parse-duration.ts";
import { adapterFor } from "../../src/providers/provider-adapters.ts";
import { ModelRegistry } from "../../src/registry/model-registry.ts";

type Json = Record<string, unknown>;

const folder = new URL("../fixtures/semstreams/registry/", import.meta.url);
const blocks = readdirSync(folder)
  .filter((name) => name.endsWith(".json"))
  .map((name) => {
    const raw = JSON.parse(readFileSync(new URL(name, folder), "utf8")) as Json;
    // One documentation page shows a single endpoint entry, not a whole registry.
    return [name, "endpoints" in raw ? raw : { endpoints: raw }] as const;
  });

/** semstreams' AdapterFor: gemini, openai and ollama have their own; everything else is generic. */
const semstreamsAdapter = (provider: unknown) => (provider === "gemini" || provider === "openai" || provider === "ollama" ? provider : "generic");

describe("semstreams' model_registry blocks", () => {
  it("are all here: every block of the shipped configs and docs", () => {
    expect(blocks.length).toBe(22);
  });

  describe.each(blocks)("%s", (_name, block) => {
    const load = () => parseConfig({ model_registry: block });

    it("loads unchanged", () => {
      expect(load).not.toThrow();
    });

    it("gives every endpoint semstreams' meaning", () => {
      const registry = load().model_registry;
      for (const [name, raw] of Object.entries(block.endpoints as Record<string, Json>)) {
        const endpoint = registry.endpoints[name];
        expect(endpoint, name).toBeDefined();
        if (!endpoint) continue;
        expect(endpoint.model).toBe(raw.model);
        expect(endpoint.supports_tools, `${name}.supports_tools`).toBe(raw.supports_tools === true);
        expect(adapterFor(endpoint.provider).name, `${name}.provider`).toBe(semstreamsAdapter(raw.provider));
        expect(endpoint.stream).toBe(raw.stream === true);
        expect(endpoint.wire_backend).toBe(raw.wire_backend ?? "");
        expect(endpoint.max_output_tokens).toBe(raw.max_output_tokens);
        expect(endpoint.requests_per_minute).toBe(raw.requests_per_minute ?? 0);
        expect(endpoint.max_concurrent).toBe(raw.max_concurrent ?? 0);
        expect(endpoint.disable_keepalives).toBe(raw.disable_keepalives === true);
        // An absent duration is 0: "not set".
        for (const key of ["request_timeout", "response_header_timeout"] as const) {
          expect(endpoint[key], `${name}.${key}`).toBe(typeof raw[key] === "string" ? parseDuration(raw[key]) : 0);
        }
        expect(endpoint.idle_conn_timeout).toBe(typeof raw.idle_conn_timeout === "string" ? parseDuration(raw.idle_conn_timeout) : 30_000);
        expect(endpoint).not.toHaveProperty("_comment");
      }
    });

    it("routes each capability to its chain, and unknown models to defaults.model", () => {
      const config = load().model_registry;
      const registry = new ModelRegistry(config);
      for (const [name, raw] of Object.entries((block.capabilities ?? {}) as Record<string, Json>)) {
        let chain = [...(raw.preferred as string[]), ...((raw.fallback as string[] | undefined) ?? [])];
        if (raw.requires_tools === true) chain = chain.filter((endpoint) => config.endpoints[endpoint]?.supports_tools === true);
        expect(registry.resolve(name)?.endpoints, name).toEqual([...new Set(chain)]);
        expect(registry.resolve(name)?.capability?.timeout).toBe(typeof raw.timeout === "string" ? parseDuration(raw.timeout) : 0);
      }
      const defaults = (block.defaults ?? {}) as Json;
      expect(registry.resolve("no-such-model-anywhere")?.endpoints).toEqual(
        typeof defaults.model === "string" && defaults.model !== "" ? [defaults.model] : undefined,
      );
    });

    it("warns, naming the endpoint, about key variables that are not set and placeholder URLs", () => {
      const registry = load().model_registry;
      const warnings = registryWarnings(registry, {}).map((warning) => warning.path);
      for (const [name, raw] of Object.entries(block.endpoints as Record<string, Json>)) {
        expect(warnings.includes(`model_registry.endpoints.${name}.api_key_env`)).toBe(typeof raw.api_key_env === "string");
        expect(warnings.includes(`model_registry.endpoints.${name}.url`)).toBe(raw.url === "CHANGE_ME");
      }
    });
  });

  it("still refuses a key that is neither modelbus's nor semstreams'", () => {
    const [, block] = blocks.find(([name]) => name === "agentic.json") ?? ["", {}];
    const endpoints = structuredClone(block.endpoints) as Record<string, Json>;
    const first = Object.values(endpoints)[0] as Json;
    first.supports_tool = true;
    expect(() => parseConfig({ model_registry: { ...block, endpoints } })).toThrow(/supports_tool/);
  });
});
