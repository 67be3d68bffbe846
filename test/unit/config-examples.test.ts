/**
 * config/examples/: one config per real provider family, each loaded here as `npm start` would
 * load it (MODELBUS_CONFIG), each naming in `_env` every environment variable it reads.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/load-config.ts";
import { registryWarnings } from "../../src/config/check-registry-references.ts";

const dir = "config/examples";
const files = readdirSync(dir)
  .filter((name) => name.endsWith(".json"))
  .sort();

describe("config/examples", () => {
  it("has one for each provider the docs promise", () => {
    expect(files).toEqual(["azure-openai.json", "gemini.json", "litellm-proxy.json", "ollama.json", "openai.json", "openrouter.json", "vllm.json"]);
  });

  it.each(files)("%s loads, and names every environment variable it reads in _env", (name) => {
    const path = join(dir, name);
    const { config } = loadConfig({ MODELBUS_CONFIG: path });
    const raw = JSON.parse(readFileSync(path, "utf8")) as { _env: Record<string, string>; _comment: string };
    const keyVariables = Object.values(config.model_registry.endpoints).flatMap((endpoint) => (endpoint.api_key_env ? [endpoint.api_key_env] : []));
    expect(Object.keys(raw._env).sort()).toEqual([...keyVariables].sort());
    expect(raw._comment).toContain(`MODELBUS_CONFIG=${path}`);
    // Resolves: the alias and the default reach the one endpoint.
    expect(Object.keys(config.model_registry.endpoints)).toHaveLength(1);
    expect(Object.values(config.model_registry.model_aliases)).toEqual(Object.keys(config.model_registry.endpoints));
    // With its variables set, nothing is left to warn about.
    const env = Object.fromEntries(keyVariables.map((variable) => [variable, "set"]));
    expect(registryWarnings(config.model_registry, env)).toEqual([]);
  });
});
