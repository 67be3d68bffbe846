import type { HttpConfig } from "../../config/config-schema.ts";
import { ModelbusError } from "../../core/modelbus-error.ts";
import { isLoopbackHost } from "./is-loopback-host.ts";

/**
 * The bearer key HTTP routes require, from the env var named by `http.api_key_env`.
 * Without one, HTTP is only served on a loopback address (and then without auth, for a
 * laptop and for tests); on any other address the service refuses to start.
 */
export function resolveHttpApiKey(config: HttpConfig, env: NodeJS.ProcessEnv, host: string): string | undefined {
  const key = env[config.api_key_env];
  if (key !== undefined && key !== "") return key;
  if (isLoopbackHost(host)) return undefined;
  throw new ModelbusError({
    code: "E_CONFIG_INVALID",
    message: `refusing to serve HTTP on non-loopback address "${host}" without a bearer key: set ${config.api_key_env} (named by http.api_key_env) or bind MODELBUS_HTTP_HOST to 127.0.0.1`,
  });
}
