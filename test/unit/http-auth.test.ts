import Fastify, { type FastifyInstance } from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import { httpSchema } from "../../src/config/config-schema.ts";
import { isLoopbackHost, registerBearerAuth, resolveHttpApiKey } from "../../src/transports/http/bearer-auth.ts";

const http = httpSchema.parse({});

describe("isLoopbackHost", () => {
  it.each(["127.0.0.1", "127.1.2.3", "localhost", "LOCALHOST", "::1", "[::1]", "::ffff:127.0.0.1", "0:0:0:0:0:0:0:1"])("%s is loopback", (host) => {
    expect(isLoopbackHost(host)).toBe(true);
  });
  it.each(["0.0.0.0", "::", "10.0.0.5", "192.168.1.2", "example.com", "128.0.0.1", "::ffff:10.0.0.1", ""])("%s is not", (host) => {
    expect(isLoopbackHost(host)).toBe(false);
  });
});

describe("resolveHttpApiKey", () => {
  it("returns the key from the env var named by http.api_key_env", () => {
    expect(resolveHttpApiKey(http, { MODELBUS_API_KEY: "k" }, "0.0.0.0")).toBe("k");
    expect(resolveHttpApiKey({ ...http, api_key_env: "OTHER" }, { OTHER: "o" }, "0.0.0.0")).toBe("o");
  });

  it("allows no key on loopback only, and refuses other addresses with E_CONFIG_INVALID", () => {
    expect(resolveHttpApiKey(http, {}, "127.0.0.1")).toBeUndefined();
    expect(() => resolveHttpApiKey(http, {}, "0.0.0.0")).toThrow(expect.objectContaining({ code: "E_CONFIG_INVALID" }));
    expect(() => resolveHttpApiKey(http, { MODELBUS_API_KEY: "" }, "10.0.0.5")).toThrow(/MODELBUS_API_KEY/);
  });
});

describe("registerBearerAuth", () => {
  let app: FastifyInstance;
  afterEach(async () => app?.close());

  async function serve() {
    app = Fastify();
    registerBearerAuth(app, { apiKey: "s3cret", openPaths: ["/healthz"] });
    app.get("/healthz", async () => ({ ok: true }));
    app.get("/private", async () => ({ ok: true }));
    return app;
  }

  it("accepts the exact key, with any case of the scheme", async () => {
    await serve();
    for (const authorization of ["Bearer s3cret", "bearer s3cret", "Bearer  s3cret"]) {
      expect((await app.inject({ url: "/private", headers: { authorization } })).statusCode).toBe(200);
    }
  });

  it("answers 401 with the error shape for a missing, wrong, longer, shorter or non-bearer key", async () => {
    await serve();
    for (const authorization of [undefined, "Bearer wrong", "Bearer s3cret2", "Bearer s3cre", "Basic s3cret", "s3cret", "Bearer "]) {
      const result = await app.inject({ url: "/private?x=1", headers: authorization === undefined ? {} : { authorization } });
      expect(result.statusCode, authorization).toBe(401);
      expect(result.json().error.code).toBe("E_UNAUTHORIZED");
      expect(result.headers["www-authenticate"]).toBe('Bearer realm="modelbus"');
    }
  });

  it("leaves the open paths open, query string or not", async () => {
    await serve();
    expect((await app.inject({ url: "/healthz" })).statusCode).toBe(200);
    expect((await app.inject({ url: "/healthz?probe=1" })).statusCode).toBe(200);
  });
});
