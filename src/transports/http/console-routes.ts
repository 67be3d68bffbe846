import { readdirSync, readFileSync } from "node:fs";
import { extname, join } from "node:path";
import type { FastifyInstance, FastifyReply } from "fastify";
import { packageRoot } from "../../core/package-root.ts";

/**
 * The operator console: static files read from the source tree at run time (they are not
 * compiled; the image ships src/ beside dist/), the same from tsx and from dist/.
 */
export const consoleDir = join(packageRoot(import.meta.url), "src/transports/http/console");

const contentTypes: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".svg": "image/svg+xml",
};

/** Everything from this origin, nothing from elsewhere: the console works offline and loads no CDN. */
const contentSecurityPolicy = "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

const consoleFiles = readdirSync(consoleDir).filter((name) => Object.hasOwn(contentTypes, extname(name)));

/**
 * The paths the console is served on, which the bearer check lets through: a browser cannot
 * send the key when it navigates. The page then keeps the key in session storage and sends it
 * on each call to the JSON API, which stays behind the key.
 */
export const consolePaths: readonly string[] = ["/console", "/console/", ...consoleFiles.map((name) => `/console/${name}`)];

/** GET /console (the page) and GET /console/<file> (its scripts and styles). */
export function registerConsoleRoutes(app: FastifyInstance): void {
  const files = new Map(consoleFiles.map((name) => [name, readFileSync(join(consoleDir, name))]));
  const send = (name: string) => async (_request: unknown, reply: FastifyReply) =>
    reply
      .type(contentTypes[extname(name)] as string)
      .header("cache-control", "no-cache")
      .header("content-security-policy", contentSecurityPolicy)
      .header("x-content-type-options", "nosniff")
      .header("referrer-policy", "no-referrer")
      .send(files.get(name));
  app.get("/console", send("index.html"));
  app.get("/console/", send("index.html"));
  for (const name of consoleFiles) app.get(`/console/${name}`, send(name));
}
