import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger } from "../../src/observability/logger.ts";

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
});
