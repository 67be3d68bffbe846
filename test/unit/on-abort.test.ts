import { describe, expect, it } from "vitest";
import { onAbort } from "../../src/core/on-abort.ts";
import { withDeadline } from "../../src/pipeline/request-deadline.ts";

describe("onAbort", () => {
  it("runs each callback still registered when the signal aborts, once, and at once if it already has", () => {
    const controller = new AbortController();
    const calls: string[] = [];
    onAbort(controller.signal, () => calls.push("a"));
    const forgetB = onAbort(controller.signal, () => calls.push("b"));
    onAbort(new AbortController().signal, () => calls.push("other signal"));
    forgetB();
    controller.abort();
    controller.abort();
    expect(calls).toEqual(["a"]);
    onAbort(controller.signal, () => calls.push("late"));
    expect(calls).toEqual(["a", "late"]);
  });
});

describe("withDeadline", () => {
  const timeout = { timeoutMs: 60_000, source: "service" } as const;

  it("aborts the work's signal with the parent's reason when the parent aborts first", async () => {
    const parent = new AbortController();
    const reason = new Error("shutting down");
    const seen = withDeadline(
      parent.signal,
      timeout,
      Date.now,
      (signal) => new Promise((resolve) => signal.addEventListener("abort", () => resolve(signal.reason))),
    );
    parent.abort(reason);
    expect(await seen).toBe(reason);
  });

  it("starts the work already aborted under an aborted parent, and leaves the parent alone once done", async () => {
    const aborted = new AbortController();
    aborted.abort(new Error("gone"));
    expect(await withDeadline(aborted.signal, timeout, Date.now, (signal) => Promise.resolve(signal.aborted))).toBe(true);

    const parent = new AbortController();
    let inner: AbortSignal | undefined;
    await withDeadline(parent.signal, timeout, Date.now, (signal) => {
      inner = signal;
      return Promise.resolve();
    });
    parent.abort(new Error("later"));
    expect(inner?.aborted).toBe(false);
  });
});
