import { z } from "zod";
import { parseAge, parseDuration } from "./parse-duration.ts";

/** A Go-style duration string ("30s", "1m30s", "250ms") parsed to milliseconds. */
function duration(defaultValue: string) {
  return z
    .string()
    .default(defaultValue)
    .transform((text, context) => {
      const milliseconds = parseDuration(text);
      if (milliseconds === undefined) {
        context.addIssue({ code: "custom", message: `invalid duration "${text}" (use e.g. "500ms", "30s", "2m")` });
        return z.NEVER;
      }
      return milliseconds;
    });
}

/**
 * semstreams configs annotate objects with `_comment`, `_doc`, `_phase2_note` keys, which Go's
 * decoder ignores. Every object of the config takes them too (and drops them); any other
 * unknown key is still an error, so a typo never passes silently. Map-like objects (endpoint
 * names, `options`) are data and keep every key.
 */
function withoutCommentKeys(value: unknown): unknown {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return value;
  const keys = Object.keys(value);
  if (!keys.some((key) => key.startsWith("_"))) return value;
  return Object.fromEntries(Object.entries(value).filter(([key]) => !key.startsWith("_")));
}

function configObject<Shape extends z.ZodRawShape>(shape: Shape) {
  return z.preprocess(withoutCommentKeys, z.strictObject(shape));
}

const positiveInt = z.number().int().positive();
const nonNegativeInt = z.number().int().min(0);
const registryName = z.string().regex(/^[A-Za-z0-9_.:-]+$/, "names may use letters, digits, _ . : -");

export const providerNames = ["openai", "gemini", "ollama", "anthropic", "openrouter", "mock", "generic"] as const;

/** semstreams' wire backends: "", "sdk" and "wire" are all Chat Completions here; "responses" is OpenAI's Responses API. */
export const wireBackends = ["", "sdk", "wire", "responses"] as const;

/** The base URL an endpoint without `url` calls, as semstreams' go-openai client does. */
export const defaultProviderUrl = "https://api.openai.com/v1";

export const endpointSchema = configObject({
  // Not checked as a URL here: semstreams configs ship placeholders ("CHANGE_ME") that load and fail at call time.
  url: z.string().optional(),
  model: z.string().min(1),
  // "" (omitted) is semstreams' generic OpenAI-compatible adapter.
  provider: z.enum([...providerNames, ""]).default(""),
  api_key_env: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be an environment variable name")
    .optional(),
  supports_tools: z.boolean().default(false),
  tool_format: z.enum(["", "anthropic", "openai"]).optional(),
  wire_backend: z.enum(wireBackends).default(""),
  max_tokens: nonNegativeInt.optional(),
  max_output_tokens: nonNegativeInt.optional(),
  requests_per_minute: nonNegativeInt.default(0),
  burst: positiveInt.optional(),
  tokens_per_minute: nonNegativeInt.default(0),
  max_concurrent: nonNegativeInt.default(0),
  max_queue: positiveInt.default(1_000),
  request_timeout: duration("0").optional(),
  idle_conn_timeout: duration("30s"),
  response_header_timeout: duration("0").optional(),
  disable_keepalives: z.boolean().default(false),
  stream: z.boolean().default(false),
  first_token_timeout: duration("0").optional(),
  reasoning_effort: z.enum(["", "none", "minimal", "low", "medium", "high"]).optional(),
  options: z.record(z.string(), z.unknown()).optional(),
  input_price_per_1m_tokens: z.number().min(0).default(0),
  output_price_per_1m_tokens: z.number().min(0).default(0),
});

export const capabilitySchema = configObject({
  description: z.string().optional(),
  preferred: z.array(registryName).min(1),
  fallback: z.array(registryName).default([]),
  requires_tools: z.boolean().default(false),
  timeout: duration("0").optional(),
});

/** How a deployment group orders its deployments for each request (src/registry/deployment-router.ts). */
export const groupStrategies = ["weighted", "least_busy", "limit_aware"] as const;

/** One deployment of a group: an endpoint, with its share of the traffic under `weighted`. */
const deploymentSchema = z
  .union([registryName, configObject({ endpoint: registryName, weight: z.number().positive().default(1) })])
  .transform((deployment) => (typeof deployment === "string" ? { endpoint: deployment, weight: 1 } : deployment));

export const groupSchema = configObject({
  description: z.string().optional(),
  strategy: z.enum(groupStrategies).default("weighted"),
  deployments: z.array(deploymentSchema).min(1),
});

export const modelRegistrySchema = configObject({
  endpoints: z.record(registryName, endpointSchema).refine((endpoints) => Object.keys(endpoints).length > 0, {
    message: "at least one endpoint is required",
  }),
  model_aliases: z.record(registryName, z.string()).default({}),
  capabilities: z.record(registryName, capabilitySchema).default({}),
  groups: z.record(registryName, groupSchema).default({}),
  defaults: configObject({ model: registryName.optional(), capability: registryName.optional() }).default({}),
});

export const retrySchema = configObject({
  max_attempts: positiveInt.default(3),
  initial_delay: duration("1s"),
  max_delay: duration("60s"),
  rate_limit_delay: duration("5s"),
  max_rate_limit_retries: nonNegativeInt.default(5),
  jitter: z.number().min(0).max(1).default(0.25),
});

export const natsSchema = configObject({
  stream: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/)
    .default("AGENT"),
  subject_prefix: z
    .string()
    .regex(/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/)
    .default("agent"),
  create_stream: z.boolean().default(true),
  stream_max_age: duration("168h"),
  duplicate_window: duration("2m"),
  consumer: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/)
    .default("modelbus"),
  concurrency: positiveInt.default(64),
  max_deliver: positiveInt.default(5),
  max_ack_pending: positiveInt.default(1_000),
  ack_wait: duration("120s"),
  heartbeat_interval: duration("30s"),
  nak_delay: duration("2s"),
  max_payload_bytes: positiveInt.default(1_048_576),
  token_env: z.string().default("NATS_TOKEN"),
  creds_file_env: z.string().default("NATS_CREDS_FILE"),
  tls: z
    .preprocess(withoutCommentKeys, z.strictObject({ ca_file: z.string().optional(), cert_file: z.string().optional(), key_file: z.string().optional() }))
    .optional(),
});

export const serviceSchema = configObject({
  timeout: duration("110s"),
  first_token_timeout: duration("60s"),
  shutdown_timeout: duration("25s"),
  log_level: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  heap_growing_percent: nonNegativeInt.max(300).default(50),
  reload_on_change: z.boolean().default(false),
});

export const storeSchema = configObject({
  enabled: z.boolean().default(true),
  migrate_on_start: z.boolean().default(true),
  connection_limit: positiveInt.default(10),
  max_batch: positiveInt.max(1_000).default(200),
  max_concurrent_batches: positiveInt.default(4),
  agent_cache_ttl: duration("5s"),
  lease_margin: duration("30s"),
  retention: z
    .string()
    .default("0")
    .transform((text, context) => {
      const milliseconds = parseAge(text);
      if (milliseconds === undefined) {
        context.addIssue({ code: "custom", message: `invalid age "${text}" (use e.g. "30d", "720h"; "0" keeps everything)` });
        return z.NEVER;
      }
      return milliseconds;
    }),
  retention_interval: duration("1h"),
  retention_batch_size: positiveInt.max(10_000).default(1_000),
  retention_pause: duration("100ms"),
});

export const httpSchema = configObject({
  api_key_env: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be an environment variable name")
    .default("MODELBUS_API_KEY"),
  body_limit_bytes: positiveInt.default(1_048_576),
  idempotency_ttl: duration("24h"),
  max_page_size: positiveInt.max(1_000).default(100),
});

export const throttleSchema = configObject({
  redis_url: z
    .string()
    .regex(/^rediss?:\/\//, "must be a redis:// or rediss:// URL")
    .optional(),
  redis_password_env: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be an environment variable name")
    .optional(),
});

export const breakerSchema = configObject({
  enabled: z.boolean().default(true),
  window: positiveInt.default(20),
  min_calls: positiveInt.default(5),
  failure_ratio: z.number().gt(0).max(1).default(0.5),
  cooldown: duration("30s"),
});

/** Limits over rolling windows; a window left out is not limited. */
const budgetWindowsSchema = configObject({
  per_minute: z.number().positive().optional(),
  per_hour: z.number().positive().optional(),
  per_day: z.number().positive().optional(),
  total: z.number().positive().optional(),
});

/** A budget: tokens (prompt + completion) and cost (in the endpoints' price unit) per window. */
export const budgetSchema = configObject({
  tokens: budgetWindowsSchema.optional(),
  cost: budgetWindowsSchema.optional(),
});

export const budgetsSchema = configObject({
  /** By agent key (the catalog's own `budget` wins over this). */
  agents: z.record(z.string().min(1), budgetSchema).default({}),
  /** By the request's `role`. */
  roles: z.record(z.string().min(1), budgetSchema).default({}),
  /** Each `loop_id`'s own budget. */
  loop: budgetSchema.optional(),
  /** Each session's own budget. */
  session: budgetSchema.optional(),
});

export const metricsSchema = configObject({
  semstreams: z.boolean().default(false),
  /** A listener of its own for /metrics, without the bearer key (scrapers inside the cluster); unset: only on the HTTP server. */
  port: nonNegativeInt.max(65_535).optional(),
  host: z.string().default("0.0.0.0"),
});

export const mockSchema = configObject({
  host: z.string().default("127.0.0.1"),
  port: nonNegativeInt.max(65_535).default(0),
});

export const configSchema = configObject({
  $schema: z.string().optional(),
  service: serviceSchema.default(serviceSchema.parse({})),
  nats: natsSchema.default(natsSchema.parse({})),
  retry: retrySchema.default(retrySchema.parse({})),
  store: storeSchema.default(storeSchema.parse({})),
  http: httpSchema.default(httpSchema.parse({})),
  throttle: throttleSchema.default(throttleSchema.parse({})),
  breaker: breakerSchema.default(breakerSchema.parse({})),
  metrics: metricsSchema.default(metricsSchema.parse({})),
  budgets: budgetsSchema.default(budgetsSchema.parse({})),
  mock: mockSchema.default(mockSchema.parse({})),
  model_registry: modelRegistrySchema,
});

export type ModelbusConfig = z.output<typeof configSchema>;
export type EndpointConfig = z.output<typeof endpointSchema>;
export type CapabilityConfig = z.output<typeof capabilitySchema>;
export type ModelRegistryConfig = z.output<typeof modelRegistrySchema>;
export type GroupConfig = z.output<typeof groupSchema>;
export type BudgetConfig = z.output<typeof budgetSchema>;
export type BudgetsConfig = z.output<typeof budgetsSchema>;
export type RetryConfig = z.output<typeof retrySchema>;
export type NatsConfig = z.output<typeof natsSchema>;
export type StoreConfig = z.output<typeof storeSchema>;
export type HttpConfig = z.output<typeof httpSchema>;
export type ThrottleConfig = z.output<typeof throttleSchema>;
export type BreakerConfig = z.output<typeof breakerSchema>;
export type ProviderName = (typeof providerNames)[number];
