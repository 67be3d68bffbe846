import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { ModelbusError } from "../../src/core/modelbus-error.ts";
import { createLogger } from "../../src/observability/logger.ts";
import { storeUnavailable } from "../../src/store/store-unavailable.ts";
import { createHttpServer } from "../../src/transports/http/http-server.ts";
import type { LooseJson } from "../support/http-test-service.ts";

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(chunk.toString());
      callback();
    },
  });
  return { lines, logger: createLogger({ level: "info", destination }) };
}

describe("logger", () => {
  it("writes JSON with child bindings per request", () => {
    const { lines, logger } = capture();
    logger.child({ request_id: "r1", endpoint: "main" }).info("hello");
    expect(JSON.parse(lines[0] ?? "{}")).toMatchObject({ request_id: "r1", endpoint: "main", msg: "hello", service: "modelbus" });
  });

  it("redacts keys and tokens wherever they appear", () => {
    const { lines, logger } = capture();
    logger.info({ apiKey: "sk-top-secret", endpoint: { api_key: "sk-nested" }, headers: { authorization: "Bearer sk-h" }, nats: { token: "t0k" } }, "x");
    const text = lines.join("");
    for (const secret of ["sk-top-secret", "sk-nested", "Bearer sk-h", "t0k"]) expect(text).not.toContain(secret);
    expect(text).toContain("[redacted]");
  });

  /** An error as the mariadb driver makes one: the statement and its bound values in message and stack. */
  function driverError(): Error {
    const error = new Error(
      "(conn:7, no: 1213, SQLState: 40001) Deadlock found\nsql: INSERT INTO inferences (id, response) VALUES (?, ?) - parameters:['id-1','{\"secret prompt\"}']",
    );
    Object.assign(error, {
      sqlMessage: "Deadlock found",
      sqlState: "40001",
      errno: 1213,
      code: "ER_LOCK_DEADLOCK",
      sql: "INSERT INTO inferences ... parameters:['secret prompt']",
    });
    return error;
  }

  it("logs errors with pino's err shape (type, message, stack, cause), leaving statements and bound values out", () => {
    const { lines, logger } = capture();
    const failure = storeUnavailable(driverError(), "complete");
    logger.child({ request_id: "r2" }).warn({ err: failure }, "outcome could not be stored");
    const line = JSON.parse(lines[0] ?? "{}") as { err: Record<string, LooseJson> };
    expect(line.err).toMatchObject({ type: "ModelbusError", code: "E_STORE_UNAVAILABLE", message: "store complete failed: Deadlock found" });
    expect(line.err.stack).toMatch(/^ModelbusError: store complete failed[^\n]*\n {4}at /);
    expect(line.err.cause).toMatchObject({ type: "Error", message: "Deadlock found", code: "ER_LOCK_DEADLOCK", sqlState: "40001", errno: 1213 });
    expect(line.err.cause.stack).toMatch(/^Error: Deadlock found\n {4}at /);
    expect(lines[0]).not.toContain("secret prompt");
    expect(lines[0]).not.toContain("parameters");
  });

  it("keeps a ModelbusError's partial answer out of the log", () => {
    const { lines, logger } = capture();
    const partial = { message: { role: "assistant", content: "half an answer" }, usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } };
    logger.error({ err: new ModelbusError({ code: "E_PROVIDER_STREAM_INTERRUPTED", message: "stream cut", partial } as never) }, "x");
    expect(lines[0]).not.toContain("half an answer");
    expect(JSON.parse(lines[0] ?? "{}").err).toMatchObject({ type: "ModelbusError", code: "E_PROVIDER_STREAM_INTERRUPTED", message: "stream cut" });
  });

  it("shapes the HTTP door's error lines the same way (Fastify's request loggers are ours)", async () => {
    const { lines, logger } = capture();
    const app = createHttpServer({ logger });
    app.get("/boom", async () => {
      throw new Error("handler failed", { cause: driverError() });
    });
    const response = await app.inject({ method: "GET", url: "/boom" });
    expect(response.statusCode).toBe(500);
    const line = JSON.parse(lines.find((text) => text.includes("HTTP request failed")) ?? "{}") as { err: Record<string, LooseJson> };
    expect(line.err).toMatchObject({ type: "Error", message: "handler failed", cause: { message: "Deadlock found" } });
    expect(lines.join("")).not.toContain("secret prompt");
    await app.close();
  });
});
