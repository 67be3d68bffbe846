import { type AddressInfo, connect } from "node:net";
import Fastify, { type FastifyInstance } from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { errorCodeList, type ErrorCode } from "../../src/core/error-codes.ts";
import { ModelbusError } from "../../src/core/modelbus-error.ts";
import { createLogger } from "../../src/observability/logger.ts";
import { answerFromOutcome } from "../../src/transports/http/serve-http-request.ts";
import { createHttpServer } from "../../src/transports/http/http-server.ts";
import { httpStatusForCode, toHttpError } from "../../src/transports/http/http-errors.ts";
import { openAISchemaErrors } from "../support/openai-schemas.ts";

let app: FastifyInstance | undefined;
afterEach(async () => app?.close());

describe("error codes → HTTP status", () => {
  it("gives every catalog code a status, as the brief's table says", () => {
    for (const code of errorCodeList) expect(httpStatusForCode(code), code).toBeGreaterThanOrEqual(400);
    expect(httpStatusForCode("E_MODEL_UNKNOWN")).toBe(404);
    expect(httpStatusForCode("E_REQUEST_INVALID")).toBe(400);
    expect(httpStatusForCode("E_PROVIDER_RATE_LIMITED")).toBe(429);
    expect(httpStatusForCode("E_PROVIDER_TIMEOUT")).toBe(504);
    expect(httpStatusForCode("E_PROVIDER_UNAVAILABLE")).toBe(502);
    expect(httpStatusForCode("E_STORE_UNAVAILABLE")).toBe(503);
    expect(httpStatusForCode("E_THROTTLE_QUEUE_FULL")).toBe(503);
    expect(httpStatusForCode("E_IDEMPOTENCY_KEY_REUSED")).toBe(422);
  });

  it("turns pipeline outcomes into answers or errors", () => {
    const base = { request_id: "r", message: { role: "" as const }, token_usage: { prompt_tokens: 0, completion_tokens: 0 } };
    expect(() =>
      answerFromOutcome({
        type: "answer",
        source: "model",
        persisted: true,
        response: { ...base, status: "error", error: "slow", error_code: "E_PROVIDER_TIMEOUT" },
      }),
    ).toThrow(expect.objectContaining({ code: "E_PROVIDER_TIMEOUT", details: { request_id: "r", retry_count: 0 } }));
    expect(() => answerFromOutcome({ type: "retry_later", delayMs: 2_500, reason: "in_flight_elsewhere" })).toThrow(
      expect.objectContaining({ code: "E_REQUEST_IN_FLIGHT", retryAfterSeconds: 3 }),
    );
    const storeDown = new ModelbusError({ code: "E_STORE_UNAVAILABLE", message: "down" });
    expect(() => answerFromOutcome({ type: "retry_later", delayMs: 200, reason: "store_unavailable", error: storeDown })).toThrow(
      expect.objectContaining({ code: "E_STORE_UNAVAILABLE", retryAfterSeconds: 1 }),
    );
    const complete = { ...base, status: "complete" as const, message: { role: "assistant" as const, content: "x" } };
    expect(answerFromOutcome({ type: "answer", source: "store", persisted: true, response: complete })).toEqual({ response: complete, replayed: true });
  });

  it("hides the message of unexpected failures", () => {
    expect(toHttpError(new Error("secret internals"))).toMatchObject({ code: "E_INTERNAL", message: "internal error" });
  });
});

describe("the HTTP server's error handling", () => {
  async function serve() {
    app = createHttpServer({ logger: createLogger({ level: "silent" }), bodyLimitBytes: 100 });
    const body = z.strictObject({ name: z.string(), nested: z.object({ n: z.number().int() }).optional() });
    app.post("/things", { schema: { body, querystring: z.strictObject({ limit: z.coerce.number().max(5).optional() }) } }, async (request) => request.body);
    app.get("/boom", async () => {
      throw new Error("kaput");
    });
    return app;
  }

  it("validates with zod and names every field at fault", async () => {
    const server = await serve();
    const result = await server.inject({ method: "POST", url: "/things", payload: { nested: { n: 1.5 }, extra: true } });
    expect(result.statusCode).toBe(400);
    const { error } = result.json();
    expect(error.code).toBe("E_REQUEST_INVALID");
    expect(error.message).toBe("name: is required (and 2 more)");
    expect(error.details.location).toBe("body");
    expect(error.details.issues.map((issue: { field: string }) => issue.field).sort()).toEqual(["extra", "name", "nested.n"]);
    const query = await server.inject({ method: "POST", url: "/things?limit=9", payload: { name: "x" } });
    expect(query.json().error).toMatchObject({ message: expect.stringMatching(/^limit: /), details: { location: "querystring" } });
    expect((await server.inject({ method: "POST", url: "/things", payload: { name: "ok" } })).json()).toEqual({ name: "ok" });
  });

  it("answers body limit, media type, bad JSON, unknown routes and bugs in the one shape", async () => {
    const server = await serve();
    const cases = [
      { request: { method: "POST" as const, url: "/things", payload: { name: "x".repeat(200) } }, status: 413, code: "E_BODY_TOO_LARGE" },
      {
        request: { method: "POST" as const, url: "/things", payload: "name", headers: { "content-type": "text/plain" } },
        status: 415,
        code: "E_MEDIA_TYPE_UNSUPPORTED",
      },
      {
        request: { method: "POST" as const, url: "/things", payload: "{", headers: { "content-type": "application/json" } },
        status: 400,
        code: "E_REQUEST_INVALID",
      },
      { request: { method: "DELETE" as const, url: "/nowhere" }, status: 404, code: "E_NOT_FOUND" },
      { request: { method: "GET" as const, url: "/boom" }, status: 500, code: "E_INTERNAL" },
    ];
    for (const { request, status, code } of cases) {
      const result = await server.inject(request);
      expect(result.statusCode, code).toBe(status);
      expect(result.json()).toMatchObject({ error: { code, message: expect.any(String), details: expect.any(Object) } });
      expect(openAISchemaErrors("ErrorResponse", result.json()), code).toEqual([]);
    }
  });
});

describe("Fastify sanity", () => {
  it("keeps plain Fastify apps unaffected (no global state)", async () => {
    app = Fastify();
    app.get("/", async () => ({ ok: true }));
    expect((await app.inject({ url: "/" })).json()).toEqual({ ok: true });
  });
});

/** One raw exchange with a listening server: the bytes out, the status and JSON body back. */
function rawExchange(port: number, bytes: string): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    let received = "";
    const socket = connect(port, "127.0.0.1", () => socket.write(bytes));
    socket.on("data", (chunk: Buffer) => {
      received += chunk.toString();
      const split = received.indexOf("\r\n\r\n");
      const length = /\r\ncontent-length: (\d+)/i.exec(received)?.[1];
      if (split === -1 || length === undefined || received.length < split + 4 + Number(length)) return;
      socket.destroy();
      resolve({ status: Number(received.slice(9, 12)), body: JSON.parse(received.slice(split + 4, split + 4 + Number(length))) as unknown });
    });
    socket.on("error", reject);
  });
}

describe("refusals before any route runs, in the catalog's shape", () => {
  async function listening(): Promise<number> {
    app = createHttpServer({ logger: createLogger({ level: "silent" }) });
    app.get("/v1/agents/:key", async (request) => request.params);
    await app.listen({ host: "127.0.0.1", port: 0 });
    return (app.server.address() as AddressInfo).port;
  }

  it.each([
    ["a path parameter over 100 characters", () => `GET /v1/agents/${"k".repeat(300)} HTTP/1.1\r\nHost: x\r\n\r\n`, 414, "E_URL_TOO_LONG"],
    ["malformed percent-encoding", () => "GET /v1/agents/%E0%A4%A HTTP/1.1\r\nHost: x\r\n\r\n", 400, "E_REQUEST_INVALID"],
    ["headers over Node's limit", () => `GET /v1/agents/x HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(20_000)}\r\n\r\n`, 431, "E_HEADERS_TOO_LARGE"],
    ["a garbage request line", () => "GARBAGE\r\n\r\n", 400, "E_REQUEST_INVALID"],
    ["a Content-Length that is not a number", () => "POST /v1/agents/x HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n", 400, "E_REQUEST_INVALID"],
  ])("%s: %i %s", async (_name, request, status, code) => {
    const port = await listening();
    const answer = await rawExchange(port, request());
    expect(answer.status).toBe(status);
    expect(httpStatusForCode(code as ErrorCode)).toBe(status);
    expect(answer.body).toMatchObject({ error: { code, message: expect.any(String), details: expect.any(Object) } });
    expect(openAISchemaErrors("ErrorResponse", answer.body), code).toEqual([]);
  });
});
