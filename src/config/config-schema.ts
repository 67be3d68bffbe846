import { z } from "zod";
import { parseDuration } from "./parse-duration.ts";

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

const positiveInt = z.number().int().positive();
const nonNegativeInt = z.number().int().min(0);
const registryName = z.string().regex(/^[A-Za-z0-9_.:-]+$/, "names may use letters, digits, _ . : -");

export const providerNames = ["openai", "gemini", "ollama", "anthropic", "openrouter", "mock", "generic"] as const;

export const endpointSchema = z.strictObject({
  url: z.url().optional(),
  model: z.string().min(1),
  provider: z.enum(providerNames).default("openai"),
  api_key_env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be an environment variable name").optional(),
  supports_tools: z.boolean().default(true),
  max_tokens: nonNegativeInt.optional(),
  max_output_tokens: nonNegativeInt.optional(),
  requests_per_minute: nonNegativeInt.default(0),
  burst: positiveInt.optional(),
  tokens_per_minute: nonNegativeInt.default(0),
  max_concurrent: nonNegativeInt.default(0),
  max_queue: positiveInt.default(1_000),
  request_timeout: duration("0").optional(),
  stream: z.boolean().default(false),
  first_token_timeout: duration("0").optional(),
  reasoning_effort: z.enum(["none", "minimal", "low", "medium", "high"]).optional(),
  options: z.record(z.string(), z.unknown()).optional(),
  input_price_per_1m_tokens: z.number().min(0).default(0),
  output_price_per_1m_tokens: z.number().min(0).default(0),
});

export const capabilitySchema = z.strictObject({
  description: z.string().optional(),
  preferred: z.array(registryName).min(1),
  fallback: z.array(registryName).default([]),
  requires_tools: z.boolean().default(false),
  timeout: duration("0").optional(),
});

export const modelRegistrySchema = z.strictObject({
  endpoints: z.record(registryName, endpointSchema).refine((endpoints) => Object.keys(endpoints).length > 0, {
    message: "at least one endpoint is required",
  }),
  model_aliases: z.record(registryName, z.string()).default({}),
  capabilities: z.record(registryName, capabilitySchema).default({}),
  defaults: z.strictObject({ model: registryName.optional() }).default({}),
});

export const retrySchema = z.strictObject({
  max_attempts: positiveInt.default(3),
  initial_delay: duration("1s"),
  max_delay: duration("60s"),
  rate_limit_delay: duration("5s"),
  max_rate_limit_retries: nonNegativeInt.default(5),
  jitter: z.number().min(0).max(1).default(0.25),
});

export const natsSchema = z.strictObject({
  stream: z.string().regex(/^[A-Za-z0-9_-]+$/).default("AGENT"),
  subject_prefix: z.string().regex(/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/).default("agent"),
  create_stream: z.boolean().default(true),
  stream_max_age: duration("168h"),
  duplicate_window: duration("2m"),
  consumer: z.string().regex(/^[A-Za-z0-9_-]+$/).default("modelbus"),
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
    .strictObject({ ca_file: z.string().optional(), cert_file: z.string().optional(), key_file: z.string().optional() })
    .optional(),
});

export const serviceSchema = z.strictObject({
  timeout: duration("110s"),
  first_token_timeout: duration("60s"),
  shutdown_timeout: duration("25s"),
  log_level: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  heap_growing_percent: nonNegativeInt.max(300).default(50),
});

export const storeSchema = z.strictObject({
  enabled: z.boolean().default(true),
  migrate_on_start: z.boolean().default(true),
  connection_limit: positiveInt.default(10),
  max_batch: positiveInt.max(1_000).default(200),
  max_concurrent_batches: positiveInt.default(4),
  agent_cache_ttl: duration("5s"),
  lease_margin: duration("30s"),
});

export const httpSchema = z.strictObject({
  api_key_env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be an environment variable name").default("MODELBUS_API_KEY"),
  body_limit_bytes: positiveInt.default(1_048_576),
  idempotency_ttl: duration("24h"),
  max_page_size: positiveInt.max(1_000).default(100),
});

export const throttleSchema = z.strictObject({
  redis_url: z.string().regex(/^rediss?:\/\//, "must be a redis:// or rediss:// URL").optional(),
  redis_password_env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be an environment variable name").optional(),
});

export const breakerSchema = z.strictObject({
  enabled: z.boolean().default(true),
  window: positiveInt.default(20),
  min_calls: positiveInt.default(5),
  failure_ratio: z.number().gt(0).max(1).default(0.5),
  cooldown: duration("30s"),
});

export const mockSchema = z.strictObject({
  host: z.string().default("127.0.0.1"),
  port: nonNegativeInt.max(65_535).default(0),
});

export const configSchema = z.strictObject({
  $schema: z.string().optional(),
  service: serviceSchema.default(serviceSchema.parse({})),
  nats: natsSchema.default(natsSchema.parse({})),
  retry: retrySchema.default(retrySchema.parse({})),
  store: storeSchema.default(storeSchema.parse({})),
  http: httpSchema.default(httpSchema.parse({})),
  throttle: throttleSchema.default(throttleSchema.parse({})),
  breaker: breakerSchema.default(breakerSchema.parse({})),
  mock: mockSchema.default(mockSchema.parse({})),
  model_registry: modelRegistrySchema,
});

export type ModelbusConfig = z.output<typeof configSchema>;
export type EndpointConfig = z.output<typeof endpointSchema>;
export type CapabilityConfig = z.output<typeof capabilitySchema>;
export type ModelRegistryConfig = z.output<typeof modelRegistrySchema>;
export type RetryConfig = z.output<typeof retrySchema>;
export type NatsConfig = z.output<typeof natsSchema>;
export type StoreConfig = z.output<typeof storeSchema>;
export type HttpConfig = z.output<typeof httpSchema>;
export type ThrottleConfig = z.output<typeof throttleSchema>;
export type BreakerConfig = z.output<typeof breakerSchema>;
export type ProviderName = (typeof providerNames)[number];
