import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { registryWarnings } from "../../src/config/check-registry-references.ts";
import { loadConfig, parseConfig } from "../../src/config/load-config.ts";
import { ModelbusError } from "../../src/core/modelbus-error.ts";

const minimal = { model_registry: { endpoints: { a: { provider: "mock", model: "m" } } } };

function problemsOf(raw: unknown): string {
  try {
    parseConfig(raw);
  } catch (error) {
    expect(error).toBeInstanceOf(ModelbusError);
    expect((error as ModelbusError).code).toBe("E_CONFIG_INVALID");
    return (error as ModelbusError).message;
  }
  throw new Error("expected the config to be rejected");
}

describe("config validation", () => {
  it("fills documented defaults and parses durations to milliseconds", () => {
    const config = parseConfig(minimal);
    expect(config.retry).toEqual({
      max_attempts: 3,
      initial_delay: 1_000,
      max_delay: 60_000,
      rate_limit_delay: 5_000,
      max_rate_limit_retries: 5,
      jitter: 0.25,
    });
    expect(config.nats.ack_wait).toBe(120_000);
    expect(config.nats.stream).toBe("AGENT");
    expect(config.service.timeout).toBe(110_000);
    expect(config.service.heap_growing_percent).toBe(50);
    expect(config.model_registry.endpoints.a?.supports_tools).toBe(false);
    expect(Object.isFrozen(config.model_registry.endpoints.a)).toBe(true);
  });

  it("reports every problem at once, each with its path", () => {
    const message = problemsOf({
      retry: { max_attempts: 0, initial_delay: "soon" },
      nats: { concurrency: -1 },
      model_registry: { endpoints: { a: { provider: "openai", model: "" } } },
    });
    expect(message).toContain("retry.max_attempts");
    expect(message).toContain('retry.initial_delay: invalid duration "soon"');
    expect(message).toContain("nats.concurrency");
    expect(message).toContain("model_registry.endpoints.a.model");
  });

  it("bounds service.heap_growing_percent to V8's range (0 = V8's own heuristic)", () => {
    expect(parseConfig({ ...minimal, service: { heap_growing_percent: 0 } }).service.heap_growing_percent).toBe(0);
    expect(problemsOf({ ...minimal, service: { heap_growing_percent: 301 } })).toContain("service.heap_growing_percent");
    expect(problemsOf({ ...minimal, service: { heap_growing_percent: 12.5 } })).toContain("service.heap_growing_percent");
  });

  it("rejects unknown keys so typos do not pass silently", () => {
    expect(problemsOf({ ...minimal, retyr: {} })).toContain("retyr");
    expect(problemsOf({ model_registry: { endpoints: { a: { provider: "mock", model: "m", max_concurent: 2 } } } })).toContain("max_concurent");
  });

  it("applies the alias rules: target exists, no chaining, no empty target", () => {
    const message = problemsOf({
      model_registry: {
        endpoints: { a: { provider: "mock", model: "m" } },
        model_aliases: { missing: "nope", chained: "fast", fast: "a", empty: "" },
      },
    });
    expect(message).toContain('model_aliases.missing: alias target "nope" is not an endpoint');
    expect(message).toContain('model_aliases.chained: alias "chained" points at alias "fast"');
    expect(message).toContain("model_aliases.empty: alias target must not be empty");
    expect(message).not.toContain("model_aliases.fast");
  });

  it("checks deployment groups: endpoints only, each once, no name clash, a known strategy and positive weights", () => {
    const endpoints = { a: { provider: "mock", model: "m" }, b: { provider: "mock", model: "m" } };
    const shape = problemsOf({
      model_registry: {
        endpoints,
        groups: { nested: { deployments: [{ endpoint: "b", weight: 0 }] }, odd: { strategy: "random", deployments: ["a"] }, empty: { deployments: [] } },
      },
    });
    expect(shape).toContain("groups.nested.deployments.0.weight");
    expect(shape).toContain("groups.odd.strategy");
    expect(shape).toContain("groups.empty.deployments");
    const references = problemsOf({
      model_registry: {
        endpoints,
        groups: { a: { deployments: ["b"] }, pool: { deployments: ["a", "a", "ghost", "nested"] }, nested: { deployments: ["b"] } },
      },
    });
    expect(references).toContain('groups.a: "a" is already an endpoint name');
    expect(references).toContain('groups.pool.deployments.1: endpoint "a" is listed twice');
    expect(references).toContain('groups.pool.deployments.2: unknown endpoint "ghost"');
    expect(references).toContain('groups.pool.deployments.3: "nested" is a group: a deployment is an endpoint (groups do not nest)');
  });

  it("lets aliases, capability chains and the default name a group", () => {
    const loaded = parseConfig({
      model_registry: {
        endpoints: { a: { provider: "mock", model: "m" }, b: { provider: "mock", model: "m", supports_tools: true } },
        groups: { duo: { strategy: "least_busy", deployments: ["a", { endpoint: "b", weight: 2 }] } },
        model_aliases: { friendly: "duo" },
        capabilities: { tools: { preferred: ["duo"], requires_tools: true } },
        defaults: { model: "duo" },
      },
    });
    expect(loaded.model_registry.groups.duo).toEqual({
      strategy: "least_busy",
      deployments: [
        { endpoint: "a", weight: 1 },
        { endpoint: "b", weight: 2 },
      ],
    });
  });

  it("checks capability chains and defaults", () => {
    const message = problemsOf({
      model_registry: {
        endpoints: { remote: { provider: "openai", model: "gpt" } },
        capabilities: { coding: { preferred: ["remote", "ghost"] } },
        defaults: { model: "nobody", capability: "nothing" },
      },
    });
    expect(message).toContain('capabilities.coding.preferred.1: unknown endpoint or group "ghost"');
    expect(message).toContain('defaults.model: unknown endpoint, group or alias "nobody"');
    expect(message).toContain('defaults.capability: unknown capability "nothing"');
  });

  it("loads what semstreams loads: an unset key env var and a placeholder URL are warnings, not errors", () => {
    const raw = {
      model_registry: {
        endpoints: { remote: { model: "gpt", api_key_env: "NOT_SET_KEY" }, placeholder: { provider: "openai", url: "CHANGE_ME", model: "CHANGE_ME" } },
      },
    };
    const config = parseConfig(raw);
    expect(registryWarnings(config.model_registry, {})).toEqual([
      {
        path: "model_registry.endpoints.remote.api_key_env",
        message: 'environment variable NOT_SET_KEY is not set: endpoint "remote" is called without an Authorization header',
      },
      { path: "model_registry.endpoints.placeholder.url", message: '"CHANGE_ME" is not an http(s) URL: every call to endpoint "placeholder" fails' },
    ]);
    expect(registryWarnings(config.model_registry, { NOT_SET_KEY: "k" })).toHaveLength(1);
  });

  it("defaults what a semstreams block omits as semstreams does", () => {
    const endpoint = parseConfig({ model_registry: { endpoints: { e: { model: "m" } } } }).model_registry.endpoints.e;
    expect(endpoint).toMatchObject({
      provider: "",
      supports_tools: false,
      wire_backend: "",
      stream: false,
      disable_keepalives: false,
      idle_conn_timeout: 30_000,
    });
    expect(endpoint?.url).toBeUndefined();
  });

  it("accepts _comment-style keys at every level of the config, and no other unknown key", () => {
    const config = parseConfig({
      _comment: "top",
      service: { _note: "s", timeout: "5s" },
      nats: { tls: { _doc: "t" } },
      model_registry: {
        _doc: "registry",
        endpoints: { e: { _comment: "endpoint", model: "m", options: { _keep: true } } },
        capabilities: { c: { _comment: "cap", preferred: ["e"] } },
        defaults: { _why: "d", model: "e" },
      },
    });
    expect(config.service.timeout).toBe(5_000);
    expect(config.model_registry.endpoints.e?.options).toEqual({ _keep: true });
    expect(config.model_registry.endpoints.e).not.toHaveProperty("_comment");
    expect(problemsOf({ ...minimal, model_registry: { endpoints: { a: { provider: "mock", model: "m", comment: "x" } } } })).toContain("comment");
  });

  it("loads the file named by MODELBUS_CONFIG and reads env settings with defaults", () => {
    const dir = mkdtempSync(join(tmpdir(), "modelbus-config-"));
    const path = join(dir, "c.json");
    writeFileSync(path, JSON.stringify(minimal));
    const loaded = loadConfig({ MODELBUS_CONFIG: path, NATS_URL: "nats://elsewhere:4222" });
    expect(loaded.environment.natsUrl).toBe("nats://elsewhere:4222");
    expect(loaded.environment.httpPort).toBe(8080);
    expect(loaded.environment.databaseUrl).toBe("mysql://root@127.0.0.1:3306/modelbus");
  });

  it("names the file when it is missing or not JSON", () => {
    const dir = mkdtempSync(join(tmpdir(), "modelbus-config-"));
    const path = join(dir, "bad.json");
    writeFileSync(path, "{ not json");
    expect(() => loadConfig({ MODELBUS_CONFIG: path })).toThrow(/bad\.json.*not valid JSON/s);
    expect(() => loadConfig({ MODELBUS_CONFIG: join(dir, "absent.json") })).toThrow(/cannot read file/);
    expect(() => loadConfig({ MODELBUS_CONFIG: path, MODELBUS_HTTP_PORT: "http" })).toThrow(/MODELBUS_HTTP_PORT/);
  });

  it("ships a default config that validates", () => {
    expect(() => loadConfig({})).not.toThrow();
  });
});

describe("timing rules", () => {
  it("rejects zero waits and heartbeats slower than half the ack wait", () => {
    const message = problemsOf({
      ...minimal,
      nats: { ack_wait: "10s", heartbeat_interval: "6s" },
      service: { timeout: "0" },
    });
    expect(message).toContain("nats.heartbeat_interval: must be at most half of nats.ack_wait");
    expect(message).toContain("service.timeout: must be longer than 0");
    expect(problemsOf({ ...minimal, nats: { ack_wait: "0", heartbeat_interval: "0" } })).toMatch(
      /nats\.ack_wait: must be longer than 0.*nats\.heartbeat_interval: must be longer than 0/s,
    );
  });
});
