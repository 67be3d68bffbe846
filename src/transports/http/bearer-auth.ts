/**
 * Bearer auth of the HTTP door: the key routes require (from the env var `http.api_key_env`
 * names; none only on a loopback address) and the onRequest hook that checks it.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { isIPv4, isIPv6 } from "node:net";
import type { FastifyInstance } from "fastify";
import type { HttpConfig } from "../../config/config-schema.ts";
import { ModelbusError } from "../../core/modelbus-error.ts";
import { errorBody } from "./http-errors.ts";

/** True for addresses only this machine can reach: localhost, 127.0.0.0/8, ::1 (and their IPv4-mapped forms). */
export function isLoopbackHost(host: string): boolean {
  const bare = host
    .trim()
    .toLowerCase()
    .replace(/^\[(.*)\]$/, "$1");
  if (bare === "localhost") return true;
  if (isIPv4(bare)) return bare.startsWith("127.");
  if (isIPv6(bare)) return bare === "::1" || /^::ffff:127\./.test(bare) || /^(0+:){7}0*1$/.test(bare);
  return false;
}

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

const digest = (text: string) => createHash("sha256").update(text, "utf8").digest();
const bearerPattern = /^Bearer +(\S+) *$/i;

/**
 * Every route except the open ones (`/healthz`, the console's static files) needs `Authorization: Bearer <key>`.
 * Both sides are hashed first so the comparison is constant-time over equal-length
 * buffers whatever the client sends: neither the key's content nor its length leaks.
 */
export function registerBearerAuth(app: FastifyInstance, options: { readonly apiKey: string; readonly openPaths: readonly string[] }): void {
  const expected = digest(options.apiKey);
  const open = new Set(options.openPaths);
  app.addHook("onRequest", async (request, reply) => {
    const path = request.url.split("?")[0] ?? request.url;
    if (open.has(path)) return;
    const match = bearerPattern.exec(request.headers.authorization ?? "");
    const token = match?.[1];
    if (token !== undefined && timingSafeEqual(expected, digest(token))) return;
    const message = token === undefined ? "missing bearer token (Authorization: Bearer <key>)" : "invalid bearer token";
    return reply
      .code(401)
      .header("www-authenticate", 'Bearer realm="modelbus"')
      .type("application/json; charset=utf-8")
      .send(errorBody("E_UNAUTHORIZED", message));
  });
}
