import { Writable } from "node:stream";
import { describe, expect, it, vi } from "vitest";
import { lazyChildLogger } from "../../src/observability/lazy-child-logger.ts";
import { createLogger } from "../../src/observability/logger.ts";

function capture(level: "info" | "warn") {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(chunk.toString());
      callback();
    },
  });
  return { lines, logger: createLogger({ level, destination }) };
}

describe("lazyChildLogger", () => {
  it("makes no child until something is logged, then logs with the bindings", () => {
    const { lines, logger } = capture("info");
    const child = vi.spyOn(logger, "child");
    const lazy = lazyChildLogger(logger, { request_id: "r1" });
    // Fastify checks the methods exist on every request's logger: that must not make it.
    expect(typeof lazy.info).toBe("function");
    expect(typeof lazy.child).toBe("function");
    expect(child).not.toHaveBeenCalled();
    lazy.info({ attempt: 2 }, "hello");
    lazy.warn("again");
    expect(child).toHaveBeenCalledTimes(1);
    expect(lines.map((line) => JSON.parse(line))).toMatchObject([
      { request_id: "r1", attempt: 2, msg: "hello", service: "modelbus" },
      { request_id: "r1", msg: "again" },
    ]);
  });

  it("drops a call below the parent's level without making the child", () => {
    const { lines, logger } = capture("warn");
    const child = vi.spyOn(logger, "child");
    const lazy = lazyChildLogger(logger, { request_id: "r2" });
    lazy.info("not written");
    lazy.debug({ x: 1 }, "not written");
    expect(child).not.toHaveBeenCalled();
    expect(lines).toEqual([]);
  });

  it("redacts secrets in the bindings, as an eager child does", () => {
    const { lines, logger } = capture("info");
    lazyChildLogger(logger, { request_id: "r3", apiKey: "sk-secret" }).error("boom");
    expect(lines.join("")).not.toContain("sk-secret");
    expect(JSON.parse(lines[0] ?? "{}")).toMatchObject({ request_id: "r3", apiKey: "[redacted]" });
  });

  it("nests children and keeps the level of a request's logger its own", () => {
    const { lines, logger } = capture("info");
    const lazy = lazyChildLogger(logger, { request_id: "r4" });
    lazy.child({ endpoint: "main" }).info("nested");
    expect(JSON.parse(lines[0] ?? "{}")).toMatchObject({ request_id: "r4", endpoint: "main" });
    lazy.level = "error";
    expect(lazy.level).toBe("error");
    expect(logger.level).toBe("info");
  });
});
