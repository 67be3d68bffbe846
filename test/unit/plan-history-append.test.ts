import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { ChatMessage } from "../../src/core/agent-request.ts";
import { extendHistoryHash, messageHash, planHistoryAppend } from "../../src/store/session-history.ts";

const user = (content: string): ChatMessage => ({ role: "user", content });
const assistant = (content: string, extra: Partial<ChatMessage> = {}): ChatMessage => ({ role: "assistant", content, ...extra });
const hashOf = (messages: ChatMessage[]) => messages.reduce(extendHistoryHash, "");

describe("planHistoryAppend", () => {
  it("stores everything for a new session", () => {
    const incoming = [user("a"), assistant("b"), user("c")];
    expect(planHistoryAppend({ messageCount: 0, historyHash: "" }, incoming)).toEqual({
      kind: "append",
      newMessages: incoming,
      historyHash: hashOf(incoming),
    });
  });

  it("appends only what follows the stored history", () => {
    const stored = [user("a"), assistant("b")];
    const incoming = [...stored, user("c")];
    const plan = planHistoryAppend({ messageCount: 2, historyHash: hashOf(stored) }, incoming);
    expect(plan).toEqual({ kind: "append", newMessages: [user("c")], historyHash: hashOf(incoming) });
  });

  it("sees an edited earlier message as a divergence", () => {
    const stored = [user("a"), assistant("b")];
    const plan = planHistoryAppend({ messageCount: 2, historyHash: hashOf(stored) }, [user("a"), assistant("B"), user("c")]);
    expect(plan.kind).toBe("diverged");
  });

  it("sees a shorter history (context trimmed) as a divergence", () => {
    const stored = [user("a"), assistant("b"), user("c")];
    expect(planHistoryAppend({ messageCount: 3, historyHash: hashOf(stored) }, [user("c")]).kind).toBe("diverged");
  });

  it("ignores reasoning and argument key order when comparing", () => {
    const call = { id: "1", name: "f", arguments: { a: 1, b: { c: 2, d: 3 } } };
    const reordered = { id: "1", name: "f", arguments: { b: { d: 3, c: 2 }, a: 1 } };
    expect(messageHash(assistant("", { tool_calls: [call], reasoning_content: "hmm" }))).toBe(messageHash(assistant("", { tool_calls: [reordered] })));
    expect(messageHash(assistant("x"))).not.toBe(messageHash(user("x")));
    expect(messageHash(assistant("", { tool_calls: [{ ...call, arguments: { a: 2 } }] }))).not.toBe(messageHash(assistant("", { tool_calls: [call] })));
  });

  it("treats an absent and an empty content alike (loops echo either)", () => {
    expect(messageHash({ role: "assistant" })).toBe(messageHash(assistant("")));
  });

  it("keeps the hashes sessions already store: sha256 hex of the canonical fields, chained", () => {
    // Written out with createHash, the way the first rows were hashed.
    const sha = (...parts: string[]) => parts.reduce((h, part) => h.update(part), createHash("sha256")).digest("hex");
    const first = sha(JSON.stringify(["user", "a", "", "", []]));
    expect(messageHash(user("a"))).toBe(first);
    expect(hashOf([user("a"), assistant("b")])).toBe(sha(sha("", first), sha(JSON.stringify(["assistant", "b", "", "", []]))));
  });
});
