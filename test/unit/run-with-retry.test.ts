import OpenAI from "openai";
import { describe, expect, it } from "vitest";
import { ModelbusError } from "../../src/core/modelbus-error.ts";
import { classifyProviderError } from "../../src/providers/classify-provider-error.ts";
import { defaultRetryPolicy, type RetryPolicy } from "../../src/retry/retry-policy.ts";
import { runWithRetry, type RetryEvent } from "../../src/retry/run-with-retry.ts";

/** Fake clock: `sleep` records the requested delay and advances `now` instantly. */
function fakeClock(start = 0) {
  let time = start;
  const delays: number[] = [];
  const signals: (AbortSignal | undefined)[] = [];
  return {
    delays,
    signals,
    now: (): number => time,
    sleep: async (ms: number, signal?: AbortSignal): Promise<void> => {
      delays.push(ms);
      signals.push(signal);
      time += ms;
    },
  };
}

type Step = ModelbusError | Error | string;

/** An attempt function that plays `steps` (throwing each) and then returns `value`. */
function script<T>(steps: Step[], value: T) {
  const calls: number[] = [];
  let index = 0;
  const attempt = async (attemptNumber: number): Promise<T> => {
    calls.push(attemptNumber);
    const step = steps[index++];
    if (step !== undefined) throw step;
    return value;
  };
  return { attempt, calls };
}

const rateLimited = (retryAfterMs?: number) =>
  new ModelbusError({ code: "E_PROVIDER_RATE_LIMITED", message: "HTTP 429: slow down", status: 429, retryReason: "rate_limit", retryAfterMs });
const unavailable = (status = 500, retryAfterMs?: number) =>
  new ModelbusError({ code: "E_PROVIDER_UNAVAILABLE", message: `HTTP ${status}: down`, status, retryReason: "transient", retryAfterMs });
const network = () => new ModelbusError({ code: "E_PROVIDER_NETWORK", message: "connection error: reset", retryReason: "transient" });

const policy: RetryPolicy = defaultRetryPolicy;

describe("runWithRetry", () => {
  it("returns the value of a first successful attempt without waiting", async () => {
    const clock = fakeClock();
    const { attempt, calls } = script([], "done");
    const outcome = await runWithRetry(attempt, { policy, sleep: clock.sleep, now: clock.now, random: () => 0 });
    expect(outcome).toEqual({ ok: true, value: "done", retryCount: 0, retries: [] });
    expect(calls).toEqual([1]);
    expect(clock.delays).toEqual([]);
  });

  it("keeps separate curves and budgets: 2 × 429, 2 × 500, then success", async () => {
    const clock = fakeClock();
    const { attempt, calls } = script([rateLimited(), rateLimited(), unavailable(500), unavailable(500)], "done");
    const outcome = await runWithRetry(attempt, { policy, sleep: clock.sleep, now: clock.now, random: () => 0 });
    expect(outcome.ok).toBe(true);
    expect(outcome.retryCount).toBe(4);
    expect(clock.delays).toEqual([5000, 10000, 1000, 2000]);
    expect(calls).toEqual([1, 2, 3, 4, 5]);
    expect(outcome.retries).toEqual<RetryEvent[]>([
      { reason: "rate_limit", attemptNumber: 1, delayMs: 5000, code: "E_PROVIDER_RATE_LIMITED", status: 429 },
      { reason: "rate_limit", attemptNumber: 2, delayMs: 10000, code: "E_PROVIDER_RATE_LIMITED", status: 429 },
      { reason: "transient", attemptNumber: 3, delayMs: 1000, code: "E_PROVIDER_UNAVAILABLE", status: 500 },
      { reason: "transient", attemptNumber: 4, delayMs: 2000, code: "E_PROVIDER_UNAVAILABLE", status: 500 },
    ]);
  });

  it("adds the full jitter fraction with random () => 1", async () => {
    const clock = fakeClock();
    const { attempt } = script([rateLimited(), rateLimited(), unavailable(), network()], "done");
    const outcome = await runWithRetry(attempt, { policy, sleep: clock.sleep, now: clock.now, random: () => 1 });
    expect(outcome.ok).toBe(true);
    expect(clock.delays).toEqual([6250, 12500, 1250, 2500]);
  });

  it("returns the last error with retryCount when transient retries are exhausted", async () => {
    const clock = fakeClock();
    const errors = [unavailable(503), network(), unavailable(502)];
    const { attempt, calls } = script([...errors, unavailable(504)], "never");
    const outcome = await runWithRetry(attempt, { policy, sleep: clock.sleep, now: clock.now, random: () => 0 });
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.error).toBe(errors[2]);
    expect(outcome.retryCount).toBe(2);
    expect(calls).toEqual([1, 2, 3]);
    expect(clock.delays).toEqual([1000, 2000]);
  });

  it("allows maxRateLimitRetries 429 retries, capping the curve at maxDelayMs", async () => {
    const clock = fakeClock();
    const errors = Array.from({ length: 10 }, () => rateLimited());
    const { attempt, calls } = script(errors, "never");
    const outcome = await runWithRetry(attempt, { policy, sleep: clock.sleep, now: clock.now, random: () => 0 });
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.error).toBe(errors[5]);
    expect(outcome.error.code).toBe("E_PROVIDER_RATE_LIMITED");
    expect(outcome.retryCount).toBe(5);
    expect(calls).toHaveLength(6);
    expect(clock.delays).toEqual([5000, 10000, 20000, 40000, 60000]);
  });

  it("does not let an exhausted transient budget stop 429 retries, nor the reverse", async () => {
    const clock = fakeClock();
    const last = unavailable(503);
    const { attempt, calls } = script([unavailable(), unavailable(), rateLimited(), last], "never");
    const outcome = await runWithRetry(attempt, { policy, sleep: clock.sleep, now: clock.now, random: () => 0 });
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.error).toBe(last);
    expect(outcome.retryCount).toBe(3);
    expect(calls).toHaveLength(4);
    expect(clock.delays).toEqual([1000, 2000, 5000]);
  });

  it("does not retry 429 when maxRateLimitRetries is 0, nor transient failures when maxAttempts is 1", async () => {
    for (const [custom, error] of [
      [{ ...policy, maxRateLimitRetries: 0 }, rateLimited()],
      [{ ...policy, maxAttempts: 1 }, unavailable()],
    ] as const) {
      const clock = fakeClock();
      const { attempt, calls } = script([error], "never");
      const outcome = await runWithRetry(attempt, { policy: custom, sleep: clock.sleep, now: clock.now, random: () => 0 });
      expect(outcome).toMatchObject({ ok: false, error, retryCount: 0 });
      expect(calls).toEqual([1]);
      expect(clock.delays).toEqual([]);
    }
  });

  it("honours a Retry-After longer than the curve, and keeps the curve when it is shorter", async () => {
    const clock = fakeClock();
    const { attempt } = script([rateLimited(30_000), unavailable(503, 7_000), unavailable(503, 500)], "done");
    const outcome = await runWithRetry(attempt, { policy, sleep: clock.sleep, now: clock.now, random: () => 0 });
    expect(outcome.ok).toBe(true);
    expect(clock.delays).toEqual([30_000, 7_000, 2_000]);
    expect(outcome.retries.map((event) => event.delayMs)).toEqual([30_000, 7_000, 2_000]);
  });

  it.each([400, 401, 403, 404, 422])("never retries HTTP %i", async (status) => {
    const clock = fakeClock();
    const sdkError = OpenAI.APIError.generate(status, { error: { message: "no" } }, undefined, new Headers({ "retry-after": "1" }));
    const error = classifyProviderError(sdkError, { nowMs: 0 });
    const { attempt, calls } = script([error], "never");
    const outcome = await runWithRetry(attempt, { policy, sleep: clock.sleep, now: clock.now, random: () => 0 });
    expect(outcome).toEqual({ ok: false, error, retryCount: 0, retries: [] });
    expect(outcome.ok === false && outcome.error.status).toBe(status);
    expect(calls).toEqual([1]);
    expect(clock.delays).toEqual([]);
  });

  it("wraps errors that are not ModelbusErrors as E_INTERNAL and does not retry them", async () => {
    for (const thrown of [new TypeError("x is not a function"), new Error("plain"), "a string"]) {
      const clock = fakeClock();
      const { attempt, calls } = script([thrown], "never");
      const outcome = await runWithRetry(attempt, { policy, sleep: clock.sleep, now: clock.now, random: () => 0 });
      expect(outcome.ok).toBe(false);
      if (outcome.ok) return;
      expect(outcome.error.code).toBe("E_INTERNAL");
      expect(outcome.error.cause).toBe(thrown);
      expect(outcome.error.message).toBe(thrown instanceof Error ? thrown.message : thrown);
      expect(calls).toEqual([1]);
      expect(clock.delays).toEqual([]);
    }
  });

  it("does not take a wait that would end after the deadline, failing with the last error", async () => {
    const clock = fakeClock(10_000);
    const second = unavailable(502);
    const { attempt, calls } = script([unavailable(), second], "done");
    const outcome = await runWithRetry(attempt, {
      policy,
      sleep: clock.sleep,
      now: clock.now,
      random: () => 0,
      deadlineMs: 12_500, // first wait ends at 11 000 (taken), second would end at 13 000 (not taken)
    });
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.error).toBe(second);
    expect(outcome.retryCount).toBe(1);
    expect(calls).toEqual([1, 2]);
    expect(clock.delays).toEqual([1000]);
  });

  it("does not take a wait that would end exactly at the deadline (no time left to try)", async () => {
    const run = async (deadlineMs: number) => {
      const clock = fakeClock(0);
      const { attempt } = script([unavailable()], "done");
      const outcome = await runWithRetry(attempt, { policy, sleep: clock.sleep, now: clock.now, random: () => 0, deadlineMs });
      return { outcome, delays: clock.delays };
    };
    const atDeadline = await run(1000);
    expect(atDeadline.outcome.ok).toBe(false);
    expect(atDeadline.delays).toEqual([]);
    const justBefore = await run(1001);
    expect(justBefore.outcome.ok).toBe(true);
    expect(justBefore.delays).toEqual([1000]);
  });

  it("does not take a Retry-After wait that passes the deadline", async () => {
    const clock = fakeClock(0);
    const error = rateLimited(120_000);
    const { attempt } = script([error], "done");
    const outcome = await runWithRetry(attempt, { policy, sleep: clock.sleep, now: clock.now, random: () => 0, deadlineMs: 60_000 });
    expect(outcome).toEqual({ ok: false, error, retryCount: 0, retries: [] });
  });

  it("stops waiting when the signal aborts, returning E_CANCELLED", async () => {
    const controller = new AbortController();
    let sleeps = 0;
    const sleep = async (_ms: number, signal?: AbortSignal): Promise<void> => {
      sleeps += 1;
      controller.abort(new Error("shutdown"));
      throw signal?.reason;
    };
    const { attempt, calls } = script([unavailable(), unavailable()], "done");
    const outcome = await runWithRetry(attempt, { policy, sleep, random: () => 0, signal: controller.signal });
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.error.code).toBe("E_CANCELLED");
    expect(outcome.error.retryable).toBe(false);
    expect(outcome.retryCount).toBe(0);
    expect(sleeps).toBe(1);
    expect(calls).toEqual([1]);
  });

  it("does not start the next attempt when the signal aborted during a wait that still resolved", async () => {
    const controller = new AbortController();
    const sleep = async (): Promise<void> => {
      controller.abort(new Error("shutdown"));
    };
    const { attempt, calls } = script([unavailable()], "done");
    const outcome = await runWithRetry(attempt, { policy, sleep, random: () => 0, signal: controller.signal });
    expect(outcome.ok === false && outcome.error.code).toBe("E_CANCELLED");
    expect(outcome.retryCount).toBe(0);
    expect(calls).toEqual([1]);
  });

  it("passes the signal to sleep", async () => {
    const clock = fakeClock();
    const controller = new AbortController();
    const { attempt } = script([unavailable()], "done");
    await runWithRetry(attempt, { policy, sleep: clock.sleep, now: clock.now, random: () => 0, signal: controller.signal });
    expect(clock.signals).toEqual([controller.signal]);
  });

  it("returns the signal's reason as is when it is a ModelbusError", async () => {
    const reason = new ModelbusError({ code: "E_PROVIDER_TIMEOUT", message: "request deadline passed" });
    const controller = new AbortController();
    const sleep = async (): Promise<void> => {
      controller.abort(reason);
      throw reason;
    };
    const { attempt } = script([rateLimited()], "done");
    const outcome = await runWithRetry(attempt, { policy, sleep, random: () => 0, signal: controller.signal });
    expect(outcome.ok === false && outcome.error).toBe(reason);
  });

  it("does not start an attempt when the signal has already aborted", async () => {
    const controller = new AbortController();
    controller.abort();
    const clock = fakeClock();
    const { attempt, calls } = script([], "done");
    const outcome = await runWithRetry(attempt, { policy, sleep: clock.sleep, now: clock.now, signal: controller.signal });
    expect(outcome.ok).toBe(false);
    expect(outcome.ok === false && outcome.error.code).toBe("E_CANCELLED");
    expect(calls).toEqual([]);
  });

  it("does not retry a retryable failure once the signal has aborted", async () => {
    const controller = new AbortController();
    const clock = fakeClock();
    const attempt = async (): Promise<string> => {
      controller.abort(new Error("shutdown"));
      throw network();
    };
    const outcome = await runWithRetry(attempt, { policy, sleep: clock.sleep, now: clock.now, signal: controller.signal });
    expect(outcome.ok === false && outcome.error.code).toBe("E_CANCELLED");
    expect(clock.delays).toEqual([]);
  });

  it("calls onRetry with each event before its wait", async () => {
    const clock = fakeClock();
    const log: string[] = [];
    const sleep = async (ms: number): Promise<void> => {
      log.push(`sleep ${ms}`);
      await clock.sleep(ms);
    };
    const { attempt } = script([rateLimited(), unavailable(503)], "done");
    const outcome = await runWithRetry(attempt, {
      policy,
      sleep,
      now: clock.now,
      random: () => 0,
      onRetry: (event) => log.push(`retry ${event.reason} ${event.attemptNumber} ${event.delayMs} ${event.code} ${event.status}`),
    });
    expect(outcome.ok).toBe(true);
    expect(log).toEqual([
      "retry rate_limit 1 5000 E_PROVIDER_RATE_LIMITED 429",
      "sleep 5000",
      "retry transient 2 1000 E_PROVIDER_UNAVAILABLE 503",
      "sleep 1000",
    ]);
  });

  it("never throws: a failing onRetry hook or sleep becomes E_INTERNAL", async () => {
    const clock = fakeClock();
    const hookFailure = await runWithRetry(script([unavailable()], "done").attempt, {
      policy,
      sleep: clock.sleep,
      random: () => 0,
      onRetry: () => {
        throw new Error("metrics down");
      },
    });
    expect(hookFailure.ok === false && hookFailure.error.code).toBe("E_INTERNAL");
    expect(hookFailure.ok === false && hookFailure.error.message).toBe("onRetry hook failed: metrics down");

    const sleepFailure = await runWithRetry(script([unavailable()], "done").attempt, {
      policy,
      sleep: async () => {
        throw new Error("timer broke");
      },
      random: () => 0,
    });
    expect(sleepFailure.ok === false && sleepFailure.error.code).toBe("E_INTERNAL");
    expect(sleepFailure.retryCount).toBe(0);
  });

  it("uses the real clock and Math.random by default", async () => {
    const delays: number[] = [];
    const { attempt } = script([unavailable()], "done");
    const outcome = await runWithRetry(attempt, {
      policy,
      sleep: async (ms) => {
        delays.push(ms);
      },
      deadlineMs: Date.now() + 10 * 60_000,
    });
    expect(outcome.ok).toBe(true);
    expect(delays).toHaveLength(1);
    expect(delays[0]).toBeGreaterThanOrEqual(1000);
    expect(delays[0]).toBeLessThanOrEqual(1250);
  });
});
