import { createHash, timingSafeEqual } from "node:crypto";
import type { FastifyInstance } from "fastify";
import { errorBody } from "./error-body.ts";

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
