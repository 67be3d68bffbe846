import { afterEach, describe, expect, it, vi } from "vitest";
import { sleepWithSignal } from "../../src/retry/sleep-with-signal.ts";

describe("sleepWithSignal", () => {
  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  it("resolves after the delay", async () => {
    const started = performance.now();
    await sleepWithSignal(30);
    expect(performance.now() - started).toBeGreaterThanOrEqual(25);
  });

  it("rejects with the signal's reason when aborted during the wait, without waiting it out", async () => {
    const controller = new AbortController();
    const reason = new Error("stop");
    const started = performance.now();
    const sleeping = sleepWithSignal(10_000, controller.signal);
    setTimeout(() => controller.abort(reason), 10);
    await expect(sleeping).rejects.toBe(reason);
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it("rejects at once when the signal has already aborted", async () => {
    const controller = new AbortController();
    controller.abort("gone");
    await expect(sleepWithSignal(10_000, controller.signal)).rejects.toBe("gone");
  });

  it("clears its timer on abort", async () => {
    vi.useFakeTimers();
    const controller = new AbortController();
    const sleeping = sleepWithSignal(10_000, controller.signal);
    expect(vi.getTimerCount()).toBe(1);
    controller.abort(new Error("stop"));
    await expect(sleeping).rejects.toThrow("stop");
    expect(vi.getTimerCount()).toBe(0);
  });

  it("removes its abort listener once the wait is over", async () => {
    const controller = new AbortController();
    const remove = vi.spyOn(controller.signal, "removeEventListener");
    await sleepWithSignal(1, controller.signal);
    expect(remove).toHaveBeenCalledWith("abort", expect.any(Function));
  });
});
