import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { ModelbusError } from "../core/modelbus-error.ts";
import { checkRegistryReferences, type ConfigProblem } from "./check-registry-references.ts";
import { configSchema, type ModelbusConfig } from "./config-schema.ts";
import { checkTimings } from "./check-timings.ts";
import { deepFreeze } from "./deep-freeze.ts";

export const defaultConfigPath = "config/default.json";

/** Settings that come from the environment rather than the config file. */
export interface EnvironmentSettings {
  readonly configPath: string;
  readonly natsUrl: string;
  readonly databaseUrl: string;
  readonly httpHost: string;
  readonly httpPort: number;
}

export interface LoadedConfig {
  readonly config: ModelbusConfig;
  readonly environment: EnvironmentSettings;
}

/** The environment variables modelbus reads, with their defaults (documented in docs/configuration.md, "Environment"). */
export const environmentDefaults = {
  MODELBUS_CONFIG: defaultConfigPath,
  NATS_URL: "nats://127.0.0.1:4222",
  DATABASE_URL: "mysql://root@127.0.0.1:3306/modelbus",
  MODELBUS_HTTP_HOST: "127.0.0.1",
  MODELBUS_HTTP_PORT: "8080",
  /** The HTTP bearer key; its name is `http.api_key_env` (this is the default name). Unset = no auth, loopback only. */
  MODELBUS_API_KEY: "",
  /** Exactly "1": debug lines of provider requests carry the whole body (observability/provider-request-log.ts). */
  MODELBUS_LOG_FULL_PAYLOAD: "",
  SEMSTREAMS_LOG_FULL_PAYLOAD: "",
} as const;

function formatProblems(source: string, problems: readonly ConfigProblem[]): string {
  const lines = problems.map((problem) => `  - ${problem.path || "(root)"}: ${problem.message}`);
  return `invalid config ${source} (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n${lines.join("\n")}`;
}

function invalid(source: string, problems: readonly ConfigProblem[]): ModelbusError {
  return new ModelbusError({ code: "E_CONFIG_INVALID", message: formatProblems(source, problems) });
}

/** Validates an already-parsed config object, reporting every problem at once. */
export function parseConfig(raw: unknown, source = "(inline)"): ModelbusConfig {
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    throw invalid(
      source,
      parsed.error.issues.map((issue) => ({ path: issue.path.join("."), message: issue.message })),
    );
  }
  const problems = [...checkRegistryReferences(parsed.data.model_registry), ...checkTimings(parsed.data)];
  if (problems.length > 0) throw invalid(source, problems);
  return deepFreeze(parsed.data);
}

function readEnvironment(env: NodeJS.ProcessEnv): EnvironmentSettings {
  const port = Number(env.MODELBUS_HTTP_PORT ?? environmentDefaults.MODELBUS_HTTP_PORT);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw invalid("environment", [{ path: "MODELBUS_HTTP_PORT", message: `not a port number: "${env.MODELBUS_HTTP_PORT}"` }]);
  }
  return {
    configPath: env.MODELBUS_CONFIG ?? environmentDefaults.MODELBUS_CONFIG,
    natsUrl: env.NATS_URL ?? environmentDefaults.NATS_URL,
    databaseUrl: env.DATABASE_URL ?? environmentDefaults.DATABASE_URL,
    httpHost: env.MODELBUS_HTTP_HOST ?? environmentDefaults.MODELBUS_HTTP_HOST,
    httpPort: port,
  };
}

/** Reads the config file named by MODELBUS_CONFIG (or the default), validates it once, freezes it. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  const environment = readEnvironment(env);
  const path = resolve(environment.configPath);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw invalid(path, [{ path: "", message: `cannot read file: ${(error as Error).message}` }]);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw invalid(path, [{ path: "", message: `not valid JSON: ${(error as Error).message}` }]);
  }
  return { config: parseConfig(raw, path), environment };
}
