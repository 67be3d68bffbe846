/**
 * The bad-input catalogue (issue #6 item 6): every kind of bad NATS payload and every kind
 * of broken config file, each with the stable code and the message naming the problem.
 * A bad payload is answered when its request_id can be read, otherwise logged; both are
 * counted, and neither stops the service.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/load-config.ts";
import type { ErrorCode } from "../../src/core/error-codes.ts";
import { ModelbusError } from "../../src/core/modelbus-error.ts";
import type { Service } from "../../src/main.ts";
import type { MockProviderServer } from "../../src/providers/mock/mock-provider-server.ts";
import { collectResponses, faultConfig, metricValue, startFaultService } from "../support/fault-kit.ts";
import { TestOrchestrator, natsUrl, uniqueNames } from "../support/test-service.ts";

type Json = Record<string, unknown>;

const maxPayloadBytes = 65_536;
const user = (content = "hello") => ({ role: "user", content });
const request = (id: string, extra: Json = {}): Json => ({ request_id: id, model: "main", messages: [user()], ...extra });
const envelope = (payload: unknown, type: unknown = { domain: "agentic", category: "request", version: "v1" }) =>
  JSON.stringify({ id: "env", type, payload, meta: { source: "catalogue" } });

interface PayloadCase {
  readonly name: string;
  readonly body: string;
  readonly code: ErrorCode;
  /** Every one of these must appear in the error text (or, without a readable id, in the log). */
  readonly mentions: readonly string[];
  /** The request_id the error response goes to; absent when none can be read. */
  readonly replyTo?: string;
}

const payloadCases: PayloadCase[] = [
  {
    name: "invalid JSON, id readable",
    body: '{"request_id":"bi-json","messages":[{"role":"user"',
    code: "E_PAYLOAD_INVALID",
    mentions: ["payload is not JSON"],
    replyTo: "bi-json",
  },
  { name: "invalid JSON, no id", body: "{not json at all", code: "E_PAYLOAD_INVALID", mentions: ["payload is not JSON"] },
  { name: "empty message", body: "", code: "E_PAYLOAD_INVALID", mentions: ["payload is not JSON"] },
  { name: "JSON array", body: JSON.stringify([request("bi-array")]), code: "E_PAYLOAD_INVALID", mentions: ["payload is not a JSON object"] },
  { name: "JSON string", body: '"hello"', code: "E_PAYLOAD_INVALID", mentions: ["payload is not a JSON object"] },
  {
    name: "payload over max_payload_bytes",
    body: JSON.stringify({ ...request("bi-huge"), pad: "x".repeat(maxPayloadBytes) }),
    code: "E_PAYLOAD_INVALID",
    mentions: ["over max_payload_bytes 65536"],
    replyTo: "bi-huge",
  },
  {
    name: "envelope of another type",
    body: envelope(request("bi-env-type"), { domain: "agentic", category: "response", version: "v1" }),
    code: "E_PAYLOAD_INVALID",
    mentions: ["unsupported message type agentic.response.v1"],
    replyTo: "bi-env-type",
  },
  {
    name: "envelope with a malformed type",
    body: envelope(request("bi-env-bad"), { domain: 7, category: "request", version: "v1" }),
    code: "E_PAYLOAD_INVALID",
    mentions: ["bad envelope", "type.domain"],
  },
  {
    name: "envelope whose payload is no request",
    body: envelope({ request_id: "bi-env-payload", messages: "hi" }),
    code: "E_REQUEST_INVALID",
    mentions: ["messages"],
    replyTo: "bi-env-payload",
  },
  { name: "request_id missing", body: JSON.stringify({ model: "main", messages: [user()] }), code: "E_REQUEST_INVALID", mentions: ["request_id"] },
  {
    name: "request_id a number",
    body: JSON.stringify({ ...request("x"), request_id: 42 }),
    code: "E_REQUEST_INVALID",
    mentions: ["request_id", "expected string"],
  },
  { name: "request_id empty", body: JSON.stringify(request("")), code: "E_REQUEST_INVALID", mentions: ["request_id required"] },
  {
    name: "request_id too long",
    body: JSON.stringify(request("r".repeat(192))),
    code: "E_REQUEST_INVALID",
    mentions: ["request_id longer than 191 characters"],
    replyTo: "r".repeat(192),
  },
  {
    name: "messages an object",
    body: JSON.stringify(request("bi-msg-object", { messages: user() })),
    code: "E_REQUEST_INVALID",
    mentions: ["messages", "expected array"],
    replyTo: "bi-msg-object",
  },
  {
    name: "messages missing",
    body: JSON.stringify({ request_id: "bi-msg-missing", model: "main" }),
    code: "E_REQUEST_INVALID",
    mentions: ["messages"],
    replyTo: "bi-msg-missing",
  },
  {
    name: "messages empty",
    body: JSON.stringify(request("bi-msg-empty", { messages: [] })),
    code: "E_REQUEST_INVALID",
    mentions: ["messages cannot be empty"],
    replyTo: "bi-msg-empty",
  },
  {
    name: "a message that is null",
    body: JSON.stringify(request("bi-msg-null", { messages: [null] })),
    code: "E_REQUEST_INVALID",
    mentions: ["messages.0"],
    replyTo: "bi-msg-null",
  },
  {
    name: "role longer than the stored column",
    body: JSON.stringify(request("bi-role", { messages: [{ role: "r".repeat(17), content: "hi" }] })),
    code: "E_REQUEST_INVALID",
    mentions: ["messages.0.role", "role longer than 16 characters"],
    replyTo: "bi-role",
  },
  {
    name: "content a number",
    body: JSON.stringify(request("bi-content-type", { messages: [{ role: "user", content: 7 }] })),
    code: "E_REQUEST_INVALID",
    mentions: ["messages.0.content"],
    replyTo: "bi-content-type",
  },
  {
    name: "temperature a string",
    body: JSON.stringify(request("bi-temp-string", { temperature: "hot" })),
    code: "E_REQUEST_INVALID",
    mentions: ["temperature", "expected number"],
    replyTo: "bi-temp-string",
  },
  {
    name: "max_tokens fractional",
    body: JSON.stringify(request("bi-max-frac", { max_tokens: 1.5 })),
    code: "E_REQUEST_INVALID",
    mentions: ["max_tokens", "expected int"],
    replyTo: "bi-max-frac",
  },
  {
    name: "tools not an array",
    body: JSON.stringify(request("bi-tools", { tools: { name: "get_weather" } })),
    code: "E_REQUEST_INVALID",
    mentions: ["tools", "expected array"],
    replyTo: "bi-tools",
  },
  {
    name: "tool description a number",
    body: JSON.stringify(request("bi-tool-desc", { tools: [{ name: "t", description: 5 }] })),
    code: "E_REQUEST_INVALID",
    mentions: ["tools.0.description"],
    replyTo: "bi-tool-desc",
  },
  {
    name: "tool_choice with a bad mode",
    body: JSON.stringify(request("bi-choice", { tool_choice: { mode: "sometimes" } })),
    code: "E_REQUEST_INVALID",
    mentions: ["tool_choice.mode"],
    replyTo: "bi-choice",
  },
  {
    name: "tool_choice function without its name",
    body: JSON.stringify(request("bi-choice-fn", { tool_choice: { mode: "function" } })),
    code: "E_REQUEST_INVALID",
    mentions: ["tool_choice", "tool_choice mode function needs function_name"],
    replyTo: "bi-choice-fn",
  },
  {
    name: "response_format with a bad type",
    body: JSON.stringify(request("bi-format", { response_format: { type: "yaml" } })),
    code: "E_REQUEST_INVALID",
    mentions: ["response_format.type"],
    replyTo: "bi-format",
  },
  {
    name: "json_schema response_format without a schema",
    body: JSON.stringify(request("bi-format-schema", { response_format: { type: "json_schema", name: "answer" } })),
    code: "E_REQUEST_INVALID",
    mentions: ["response_format", "json_schema response_format needs name and schema"],
    replyTo: "bi-format-schema",
  },
  {
    name: "timeout a number",
    body: JSON.stringify(request("bi-timeout", { timeout: 30 })),
    code: "E_REQUEST_INVALID",
    mentions: ["timeout", "expected string"],
    replyTo: "bi-timeout",
  },
  {
    name: "stream a string",
    body: JSON.stringify(request("bi-stream", { stream: "yes" })),
    code: "E_REQUEST_INVALID",
    mentions: ["stream", "expected boolean"],
    replyTo: "bi-stream",
  },
  {
    name: "model a number",
    body: JSON.stringify(request("bi-model-type", { model: 4 })),
    code: "E_REQUEST_INVALID",
    mentions: ["model", "expected string"],
    replyTo: "bi-model-type",
  },
  {
    name: "session_id too long",
    body: JSON.stringify(request("bi-session", { session_id: "s".repeat(37) })),
    code: "E_REQUEST_INVALID",
    mentions: ["session_id longer than 36 characters"],
    replyTo: "bi-session",
  },
  {
    name: "metadata not an object",
    body: JSON.stringify(request("bi-metadata", { metadata: ["a"] })),
    code: "E_REQUEST_INVALID",
    mentions: ["metadata"],
    replyTo: "bi-metadata",
  },
  {
    name: "several problems at once",
    body: JSON.stringify(request("bi-many", { temperature: "hot", max_tokens: 1.5 })),
    code: "E_REQUEST_INVALID",
    mentions: ["temperature", "max_tokens"],
    replyTo: "bi-many",
  },
  {
    name: "unknown model (no default)",
    body: JSON.stringify(request("bi-model", { model: "gpt-9000" })),
    code: "E_MODEL_UNKNOWN",
    mentions: ['no endpoint found for model "gpt-9000" in registry'],
    replyTo: "bi-model",
  },
];

describe("bad NATS payloads", () => {
  const names = uniqueNames();
  const logLines: Array<Record<string, unknown>> = [];
  let service: Service;
  let orchestrator: TestOrchestrator;

  beforeAll(async () => {
    service = await startFaultService(faultConfig(names, { service: { log_level: "warn" }, nats: { max_payload_bytes: maxPayloadBytes, ack_wait: "2s" } }), {
      logLines,
    });
    orchestrator = await TestOrchestrator.connect(names);
    for (const { body } of payloadCases) await orchestrator.publish(body);
    await orchestrator.publish(request("bi-valid-after"));
  }, 30_000);

  afterAll(async () => {
    await service?.stop();
    await orchestrator?.close();
  });

  const answered = payloadCases.filter((entry) => entry.replyTo !== undefined);
  const unanswered = payloadCases.filter((entry) => entry.replyTo === undefined);

  it.each(answered.map((entry) => [entry.name, entry] as const))("%s: an error response with its code, naming the problem", async (_name, entry) => {
    const response = await orchestrator.response(entry.replyTo as string, 10_000);
    expect(response).toMatchObject({ request_id: entry.replyTo, status: "error", error_code: entry.code, message: { role: "" } });
    for (const mention of entry.mentions) expect(response.error).toContain(mention);
    expect(await orchestrator.responseCount(entry.replyTo as string)).toBe(1);
  });

  it.each(unanswered.map((entry) => [entry.name, entry] as const))(
    "%s: no readable request_id, so logged with its code and the problem",
    async (_name, entry) => {
      await expect
        .poll(
          () =>
            logLines.filter(
              (line) =>
                line.msg === "undecodable request terminated" &&
                line.code === entry.code &&
                entry.mentions.every((mention) => String((line.err as { message?: unknown } | undefined)?.message).includes(mention)),
            ).length,
          {
            timeout: 10_000,
          },
        )
        .toBeGreaterThanOrEqual(1);
    },
  );

  it("counts every bad payload by code, never calls the model for one, and keeps serving", { timeout: 20_000 }, async () => {
    expect((await orchestrator.response("bi-valid-after", 10_000)).status).toBe("complete");
    await collectResponses(
      orchestrator,
      answered.map((entry) => entry.replyTo as string),
      10_000,
    );
    for (const code of ["E_PAYLOAD_INVALID", "E_REQUEST_INVALID", "E_MODEL_UNKNOWN"] as const) {
      const expected = payloadCases.filter((entry) => entry.code === code).length;
      await expect.poll(() => metricValue(service, "modelbus_errors_total", { code }), { timeout: 5_000 }).toBe(expected);
    }
    // Undecodable payloads are terminated, never redelivered; an unknown model is an answer (acked).
    expect(await metricValue(service, "modelbus_deliveries_total", { outcome: "term" })).toBe(
      payloadCases.filter((entry) => entry.code !== "E_MODEL_UNKNOWN").length,
    );
    expect((service.mockProvider as MockProviderServer).requests).toHaveLength(1);
    expect(await (await fetch(`${service.httpUrl}/readyz`)).json()).toMatchObject({ status: "ready" });
    await new Promise((resolve) => setTimeout(resolve, 2_500)); // past ack_wait: nothing comes back
    expect(await metricValue(service, "modelbus_redeliveries_total")).toBe(0);
  });
});

/** A valid config file's content, broken by `mutate`. */
function brokenConfig(mutate: (config: Json) => void): Json {
  const config: Json = {
    service: { timeout: "30s", log_level: "warn" },
    nats: { stream: "CATALOGUE", subject_prefix: "catalogue", consumer: "catalogue" },
    retry: { max_attempts: 3 },
    store: { enabled: false },
    model_registry: {
      endpoints: { main: { provider: "mock", model: "main-model" }, remote: { provider: "openai", url: "http://127.0.0.1:9/v1", model: "gpt" } },
      model_aliases: { fast: "main" },
      capabilities: { general: { preferred: ["main"], fallback: ["remote"] } },
      defaults: { model: "main" },
    },
  };
  mutate(config);
  return config;
}

const section = (config: Json, name: string) => config[name] as Json;
const registry = (config: Json) => section(config, "model_registry");
const endpoint = (config: Json, name = "main") => (registry(config).endpoints as Record<string, Json>)[name] as Json;

interface ConfigCase {
  readonly name: string;
  /** The file's text, or a config object to write as JSON; undefined = no file at all. */
  readonly content: string | Json | undefined;
  /** Every one of these must appear in the E_CONFIG_INVALID message (the field's path first). */
  readonly mentions: readonly string[];
}

const configCases: ConfigCase[] = [
  { name: "file missing", content: undefined, mentions: ["cannot read file"] },
  { name: "file not JSON", content: "{ service: ", mentions: ["not valid JSON"] },
  { name: "root not an object", content: "[]", mentions: ["(root)"] },
  { name: "unknown top-level key", content: brokenConfig((config) => (config.retyr = {})), mentions: ["retyr"] },
  { name: "$schema not a string", content: brokenConfig((config) => (config.$schema = 1)), mentions: ["$schema"] },
  {
    name: "service: bad duration",
    content: brokenConfig((config) => (section(config, "service").timeout = "soon")),
    mentions: ["service.timeout", 'invalid duration "soon"'],
  },
  {
    name: "service: duration not a string",
    content: brokenConfig((config) => (section(config, "service").shutdown_timeout = 25)),
    mentions: ["service.shutdown_timeout"],
  },
  { name: "service: unknown log level", content: brokenConfig((config) => (section(config, "service").log_level = "loud")), mentions: ["service.log_level"] },
  { name: "service: unknown key", content: brokenConfig((config) => (section(config, "service").timout = "1s")), mentions: ["service", "timout"] },
  { name: "nats: stream name with a dot", content: brokenConfig((config) => (section(config, "nats").stream = "A.B")), mentions: ["nats.stream"] },
  {
    name: "nats: subject prefix with a wildcard",
    content: brokenConfig((config) => (section(config, "nats").subject_prefix = "agent.>")),
    mentions: ["nats.subject_prefix"],
  },
  { name: "nats: concurrency zero", content: brokenConfig((config) => (section(config, "nats").concurrency = 0)), mentions: ["nats.concurrency"] },
  {
    name: "nats: max_payload_bytes a string",
    content: brokenConfig((config) => (section(config, "nats").max_payload_bytes = "1MB")),
    mentions: ["nats.max_payload_bytes"],
  },
  {
    name: "nats: create_stream not a boolean",
    content: brokenConfig((config) => (section(config, "nats").create_stream = "yes")),
    mentions: ["nats.create_stream"],
  },
  { name: "nats: tls unknown key", content: brokenConfig((config) => (section(config, "nats").tls = { ca: "x" })), mentions: ["nats.tls", "ca"] },
  { name: "retry: max_attempts zero", content: brokenConfig((config) => (section(config, "retry").max_attempts = 0)), mentions: ["retry.max_attempts"] },
  { name: "retry: jitter above 1", content: brokenConfig((config) => (section(config, "retry").jitter = 2)), mentions: ["retry.jitter"] },
  { name: "retry: bad duration", content: brokenConfig((config) => (section(config, "retry").initial_delay = "1 second")), mentions: ["retry.initial_delay"] },
  { name: "store: enabled not a boolean", content: brokenConfig((config) => (section(config, "store").enabled = "yes")), mentions: ["store.enabled"] },
  { name: "store: max_batch too large", content: brokenConfig((config) => (section(config, "store").max_batch = 5_000)), mentions: ["store.max_batch"] },
  { name: "store: bad lease_margin", content: brokenConfig((config) => (section(config, "store").lease_margin = "-1s")), mentions: ["store.lease_margin"] },
  {
    name: "http: api_key_env not a variable name",
    content: brokenConfig((config) => (config.http = { api_key_env: "MY-KEY" })),
    mentions: ["http.api_key_env"],
  },
  { name: "http: body_limit_bytes negative", content: brokenConfig((config) => (config.http = { body_limit_bytes: -1 })), mentions: ["http.body_limit_bytes"] },
  {
    name: "throttle: redis_url not redis",
    content: brokenConfig((config) => (config.throttle = { redis_url: "http://127.0.0.1:6379" })),
    mentions: ["throttle.redis_url"],
  },
  { name: "breaker: failure_ratio zero", content: brokenConfig((config) => (config.breaker = { failure_ratio: 0 })), mentions: ["breaker.failure_ratio"] },
  { name: "breaker: bad cooldown", content: brokenConfig((config) => (config.breaker = { cooldown: "later" })), mentions: ["breaker.cooldown"] },
  { name: "mock: port out of range", content: brokenConfig((config) => (config.mock = { port: 70_000 })), mentions: ["mock.port"] },
  { name: "model_registry missing", content: brokenConfig((config) => delete config.model_registry), mentions: ["model_registry"] },
  {
    name: "endpoints empty",
    content: brokenConfig((config) => (registry(config).endpoints = {})),
    mentions: ["model_registry.endpoints", "at least one endpoint is required"],
  },
  {
    name: "endpoint name with a space",
    content: brokenConfig((config) => ((registry(config).endpoints as Json)["my model"] = { provider: "mock", model: "m" })),
    mentions: ["model_registry.endpoints"],
  },
  { name: "endpoint: model missing", content: brokenConfig((config) => delete endpoint(config).model), mentions: ["model_registry.endpoints.main.model"] },
  {
    name: "endpoint: unknown provider",
    content: brokenConfig((config) => (endpoint(config).provider = "skynet")),
    mentions: ["model_registry.endpoints.main.provider"],
  },
  {
    name: "endpoint: url not a string",
    content: brokenConfig((config) => (endpoint(config, "remote").url = 80)),
    mentions: ["model_registry.endpoints.remote.url"],
  },
  {
    name: "endpoint: unknown wire_backend",
    content: brokenConfig((config) => (endpoint(config, "remote").wire_backend = "grpc")),
    mentions: ["model_registry.endpoints.remote.wire_backend"],
  },
  {
    name: "endpoint: unknown tool_format",
    content: brokenConfig((config) => (endpoint(config, "remote").tool_format = "xml")),
    mentions: ["model_registry.endpoints.remote.tool_format"],
  },
  {
    name: "endpoint: unknown key",
    content: brokenConfig((config) => (endpoint(config).max_concurent = 2)),
    mentions: ["model_registry.endpoints.main", "max_concurent"],
  },
  {
    name: "endpoint: negative requests_per_minute",
    content: brokenConfig((config) => (endpoint(config).requests_per_minute = -1)),
    mentions: ["model_registry.endpoints.main.requests_per_minute"],
  },
  {
    name: "endpoint: burst without requests_per_minute",
    content: brokenConfig((config) => (endpoint(config).burst = 5)),
    mentions: ["model_registry.endpoints.main.burst"],
  },
  {
    name: "endpoint: bad reasoning_effort",
    content: brokenConfig((config) => (endpoint(config).reasoning_effort = "extreme")),
    mentions: ["model_registry.endpoints.main.reasoning_effort"],
  },
  {
    name: "endpoint: options not an object",
    content: brokenConfig((config) => (endpoint(config).options = "thinking")),
    mentions: ["model_registry.endpoints.main.options"],
  },
  {
    name: "endpoint: negative price",
    content: brokenConfig((config) => (endpoint(config).input_price_per_1m_tokens = -1)),
    mentions: ["model_registry.endpoints.main.input_price_per_1m_tokens"],
  },
  {
    name: "endpoint: bad request_timeout",
    content: brokenConfig((config) => (endpoint(config).request_timeout = "forever")),
    mentions: ["model_registry.endpoints.main.request_timeout"],
  },
  {
    name: "alias to nowhere",
    content: brokenConfig((config) => (registry(config).model_aliases = { fast: "nowhere" })),
    mentions: ["model_registry.model_aliases.fast", 'alias target "nowhere" is not an endpoint'],
  },
  {
    name: "alias chained",
    content: brokenConfig((config) => (registry(config).model_aliases = { fast: "main", faster: "fast" })),
    mentions: ["model_registry.model_aliases.faster", "aliases cannot chain"],
  },
  {
    name: "capability with no preferred",
    content: brokenConfig((config) => (registry(config).capabilities = { general: { preferred: [] } })),
    mentions: ["model_registry.capabilities.general.preferred"],
  },
  {
    name: "capability naming an unknown endpoint",
    content: brokenConfig((config) => (registry(config).capabilities = { general: { preferred: ["ghost"] } })),
    mentions: ["model_registry.capabilities.general.preferred.0", 'unknown endpoint or group "ghost"'],
  },
  {
    name: "capability: bad timeout",
    content: brokenConfig((config) => (registry(config).capabilities = { general: { preferred: ["main"], timeout: "a while" } })),
    mentions: ["model_registry.capabilities.general.timeout"],
  },
  {
    name: "defaults.model unknown",
    content: brokenConfig((config) => (registry(config).defaults = { model: "nobody" })),
    mentions: ["model_registry.defaults.model", 'unknown endpoint, group or alias "nobody"'],
  },
];

describe("broken config files", () => {
  const directory = mkdtempSync(join(tmpdir(), "modelbus-bad-config-"));
  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  function writeCase(entry: ConfigCase, index: number): string {
    const path = join(directory, `case-${index}.json`);
    if (entry.content !== undefined) writeFileSync(path, typeof entry.content === "string" ? entry.content : JSON.stringify(entry.content));
    return path;
  }

  it.each(configCases.map((entry, index) => [entry.name, entry, index] as const))("%s: E_CONFIG_INVALID naming the field", (_name, entry, index) => {
    const path = writeCase(entry, index);
    let failure: unknown;
    try {
      loadConfig({ MODELBUS_CONFIG: path });
    } catch (error) {
      failure = error;
    }
    expect(failure).toBeInstanceOf(ModelbusError);
    expect((failure as ModelbusError).code).toBe("E_CONFIG_INVALID");
    for (const mention of entry.mentions) expect((failure as ModelbusError).message).toContain(mention);
    expect((failure as ModelbusError).message).toContain(path);
  });

  /** `modelbus serve` with a config file; resolves with its exit code and stderr. */
  function serve(path: string): Promise<{ code: number | null; stderr: string }> {
    return new Promise((resolve) => {
      const child = spawn(process.execPath, ["--import", "tsx", "src/cli.ts", "serve"], {
        env: { ...process.env, MODELBUS_CONFIG: path, NATS_URL: natsUrl, MODELBUS_HTTP_PORT: "0" },
        stdio: ["ignore", "ignore", "pipe"],
      });
      let stderr = "";
      child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
      const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
      child.once("exit", (code) => {
        clearTimeout(timer);
        resolve({ code, stderr });
      });
    });
  }

  it("makes `modelbus serve` exit non-zero with E_CONFIG_INVALID and the path, for a sample of every kind", { timeout: 90_000 }, async () => {
    const sample = [
      "file missing",
      "file not JSON",
      "service: bad duration",
      "nats: concurrency zero",
      "endpoint: unknown wire_backend",
      "capability naming an unknown endpoint",
    ];
    const runs: Array<{ entry: ConfigCase; result: { code: number | null; stderr: string } }> = [];
    for (let start = 0; start < sample.length; start += 2) {
      // two at a time: each child loads tsx, and the other test files share the two cores
      const pair = sample.slice(start, start + 2).map(async (name) => {
        const index = configCases.findIndex((entry) => entry.name === name);
        const entry = configCases[index] as ConfigCase;
        return { entry, result: await serve(writeCase(entry, index)) };
      });
      runs.push(...(await Promise.all(pair)));
    }
    for (const { entry, result } of runs) {
      expect(result.code, entry.name).not.toBe(0);
      expect(result.code, entry.name).not.toBeNull(); // it exited by itself, it was not killed
      expect(result.stderr, entry.name).toContain("E_CONFIG_INVALID");
      for (const mention of entry.mentions) expect(result.stderr, entry.name).toContain(mention);
    }
  });
});
