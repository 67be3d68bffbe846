import { describe, expect, it } from "vitest";
import { canonicalJson } from "../../src/core/canonical-json.ts";
import { idempotentRequestId } from "../../src/transports/http/idempotency-key.ts";
import { KeyedSerializer } from "../../src/transports/http/session-message-route.ts";
import { cursors, encodeCursor } from "../../src/transports/http/pagination.ts";
import { uuidV7 } from "../../src/store/uuid-v7.ts";

const session = "0190a5b2-0000-7000-8000-000000000001";

describe("idempotent request ids", () => {
  it("depend on session, key and body, not on key order in the body", () => {
    const a = idempotentRequestId(session, "key-1", { content: "hi", tool_results: [{ tool_call_id: "c", content: "x" }] });
    const b = idempotentRequestId(session, "key-1", { tool_results: [{ content: "x", tool_call_id: "c" }], content: "hi" });
    expect(b).toEqual(a);
    expect(a.requestId.startsWith(a.prefix)).toBe(true);
    expect(a.requestId).toMatch(/^idem:0190a5b2-0000-7000-8000-000000000001:[0-9a-f]{32}:[0-9a-f]{32}$/);
    expect(a.requestId.length).toBeLessThanOrEqual(191);
    const otherBody = idempotentRequestId(session, "key-1", { content: "ho" });
    expect(otherBody.prefix).toBe(a.prefix);
    expect(otherBody.requestId).not.toBe(a.requestId);
    expect(idempotentRequestId(session, "key-2", { content: "hi" }).prefix).not.toBe(a.prefix);
    expect(idempotentRequestId("other", "key-1", { content: "hi" }).prefix).not.toBe(a.prefix);
  });

  it("canonical JSON sorts keys at every level and drops undefined", () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { f: 1, e: 0 }], c: undefined } })).toBe('{"a":{"d":[2,{"e":0,"f":1}]},"b":1}');
  });
});

describe("KeyedSerializer", () => {
  it("runs tasks of one key one at a time, in order, and others in parallel", async () => {
    const serializer = new KeyedSerializer();
    const events: string[] = [];
    const task = (name: string, ms: number) => async () => {
      events.push(`start ${name}`);
      await new Promise((resolve) => setTimeout(resolve, ms));
      events.push(`end ${name}`);
      return name;
    };
    const results = await Promise.all([serializer.run("s1", task("a", 30)), serializer.run("s1", task("b", 1)), serializer.run("s2", task("c", 1))]);
    expect(results).toEqual(["a", "b", "c"]);
    expect(events.indexOf("end a")).toBeLessThan(events.indexOf("start b"));
    expect(events.indexOf("end c")).toBeLessThan(events.indexOf("end a"));
    expect(serializer.size).toBe(0);
  });

  it("goes on after a task fails", async () => {
    const serializer = new KeyedSerializer();
    await expect(serializer.run("k", async () => Promise.reject(new Error("x")))).rejects.toThrow("x");
    expect(await serializer.run("k", async () => "next")).toBe("next");
  });
});

describe("pagination cursors and UUIDv7 ids", () => {
  it("round-trip and refuse foreign shapes as a 400 naming cursor", () => {
    const at = new Date("2026-01-02T03:04:05.678Z");
    expect(cursors.time.decode(cursors.time.encode({ createdAt: at, id: "x" }))).toEqual({ createdAt: at, id: "x" });
    expect(cursors.id.decode(cursors.id.encode({ id: "abc" }))).toBe("abc");
    expect(cursors.position.decode(cursors.position.encode({ position: 7 }))).toBe(7);
    expect(cursors.id.decode(undefined)).toBeUndefined();
    expect(() => cursors.position.decode(encodeCursor({ i: "abc" }))).toThrow(
      expect.objectContaining({ code: "E_REQUEST_INVALID", message: "cursor: invalid cursor" }),
    );
    expect(() => cursors.id.decode("%%%")).toThrow(/cursor/);
  });

  it("makes ids that sort in creation order, even within one millisecond", () => {
    const ids = Array.from({ length: 500 }, () => uuidV7(1_700_000_000_000));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids[0]).toMatch(/^018bcfe5-6800-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(uuidV7(1_700_000_000_001) > (ids.at(-1) as string)).toBe(true);
  });
});
