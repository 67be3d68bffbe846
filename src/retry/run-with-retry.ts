import pRetry, { AbortError, type RetryContext } from "p-retry";
import type { ErrorCode } from "../core/error-codes.ts";
import { ModelbusError, toModelbusError, type RetryReason } from "../core/modelbus-error.ts";
import { backoffDelay } from "./backoff-delay.ts";
import type { RetryPolicy } from "./retry-policy.ts";

export interface RetryEvent {
  /** Which curve the wait was taken on. */
  reason: RetryReason;
  /** The attempt that failed (1-based); the retry is attempt `attemptNumber + 1`. */
  attemptNumber: number;
  /** How long the wait before the next attempt is. */
  delayMs: number;
  /** Code of the failure that caused the retry. */
  code: ErrorCode;
  /** HTTP status of that failure, when there was one. */
  status?: number | undefined;
}

export type RetryOutcome<T> =
  { ok: true; value: T; retryCount: number; retries: RetryEvent[] } | { ok: false; error: ModelbusError; retryCount: number; retries: RetryEvent[] };

export interface RunWithRetryOptions {
  policy: RetryPolicy;
  /** Waits between attempts; rejects when `signal` aborts. Injected so tests can use a fake clock. */
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** 0..1, drives jitter. Default Math.random. */
  random?: () => number;
  /** Clock for the deadline. Default Date.now. */
  now?: () => number;
  /**
   * Absolute time (same clock as `now`). A wait that would end at or after it is not taken
   * (no time would be left for the attempt): the run fails with the last error instead.
   */
  deadlineMs?: number | undefined;
  /**
   * Aborting stops the run: no new attempt starts, a wait in progress is cut short, and a
   * retryable failure is not retried. The outcome is ok:false with the signal's reason when
   * it is a ModelbusError, else E_CANCELLED. A failure that is not retryable is reported as
   * it is, and an attempt that succeeded keeps its value.
   */
  signal?: AbortSignal | undefined;
  /** Metrics/logging hook, called before each wait. If it throws, the run fails with E_INTERNAL. */
  onRetry?: (event: RetryEvent) => void;
}

/**
 * Runs `attempt` until it succeeds, fails with an error that is not retryable, or a retry
 * budget, the deadline or the signal stops it. Never throws.
 *
 * The first attempt runs directly; after a first failure that is retried, p-retry is the
 * loop. The decisions and the waits happen in our `onFailedAttempt` (p-retry
 * awaits it before the next attempt, and rejects with whatever it throws, skipping its own
 * checks). p-retry's own backoff is neutralised (`minTimeout: 0`, `factor: 1`,
 * `randomize: false`) and its `retries` is only an outer ceiling: the sum of both budgets.
 *
 * Budgets are per curve: at most `maxAttempts - 1` transient retries and at most
 * `maxRateLimitRetries` rate_limit retries, each curve with its own delay sequence.
 * Errors thrown by `attempt` that are not ModelbusErrors become E_INTERNAL (not retried).
 */
export async function runWithRetry<T>(attempt: (attemptNumber: number) => Promise<T>, options: RunWithRetryOptions): Promise<RetryOutcome<T>> {
  const { policy, sleep, signal, deadlineMs, onRetry } = options;
  const random = options.random ?? Math.random;
  const now = options.now ?? Date.now;
  const budget: Record<RetryReason, number> = {
    transient: nonNegativeCount(policy.maxAttempts - 1),
    rate_limit: nonNegativeCount(policy.maxRateLimitRetries),
  };
  const taken: Record<RetryReason, number> = { transient: 0, rate_limit: 0 };
  const retries: RetryEvent[] = [];
  const retryCount = (): number => taken.transient + taken.rate_limit;

  const onFailedAttempt = async (thrown: unknown, attemptNumber: number): Promise<void> => {
    const error = toModelbusError(thrown);
    const reason = error.retryReason;
    if (reason === undefined) throw error;
    throwIfCancelled(signal);
    if (taken[reason] >= budget[reason]) throw error;

    const delayMs = backoffDelay({
      reason,
      retryNumber: taken[reason] + 1,
      policy,
      random: random(),
      retryAfterMs: error.retryAfterMs,
    });
    if (deadlineMs !== undefined && now() + delayMs >= deadlineMs) throw error;

    const event: RetryEvent = { reason, attemptNumber, delayMs, code: error.code, status: error.status };
    retries.push(event);
    if (onRetry !== undefined) {
      try {
        onRetry(event);
      } catch (hookError) {
        throw new ModelbusError({ code: "E_INTERNAL", message: `onRetry hook failed: ${messageOf(hookError)}`, cause: hookError });
      }
    }

    try {
      await sleep(delayMs, signal);
    } catch (sleepError) {
      throwIfCancelled(signal);
      throw toModelbusError(sleepError);
    }
    throwIfCancelled(signal);
    taken[reason] += 1;
  };

  // Attempt `attemptNumber` with the cancellation check before it; failures become
  // ModelbusErrors before anyone sees them (p-retry turns non-Error throws into a TypeError,
  // losing the value, and never retries a TypeError).
  const run = async (attemptNumber: number): Promise<T> => {
    // p-retry's AbortError: it rejects with `originalError` without calling onFailedAttempt.
    const cancelled = cancellation(signal);
    if (cancelled !== undefined) throw new AbortError(cancelled);
    try {
      return await attempt(attemptNumber);
    } catch (error) {
      throw toModelbusError(error);
    }
  };

  // The first attempt runs outside p-retry: the common case (success at once) pays nothing
  // for the loop. A failure gets the same decision p-retry would ask for, and only a retry
  // enters the loop, which carries on from attempt 2 with the rest of the ceiling.
  const ceiling = budget.transient + budget.rate_limit;
  try {
    let value: T;
    try {
      value = await run(1);
    } catch (firstError) {
      if (firstError instanceof AbortError) throw firstError.originalError;
      await onFailedAttempt(firstError, 1);
      // onFailedAttempt returned: a retry was taken, so the ceiling is at least 1.
      value = await pRetry((attemptNumber: number) => run(attemptNumber + 1), {
        retries: Math.max(0, ceiling - 1),
        minTimeout: 0,
        factor: 1,
        randomize: false,
        onFailedAttempt: ({ error, attemptNumber }: RetryContext) => onFailedAttempt(error, attemptNumber + 1),
      });
    }
    return { ok: true, value, retryCount: retryCount(), retries };
  } catch (error) {
    return { ok: false, error: toModelbusError(error), retryCount: retryCount(), retries };
  }
}

/**
 * The error an aborted run ends with: the signal's reason if it is a ModelbusError, else
 * E_CANCELLED; undefined while the signal has not aborted. (A function rather than an inline
 * `signal.aborted` check: TS would keep `aborted` narrowed to false across an await.)
 */
function cancellation(signal: AbortSignal | undefined): ModelbusError | undefined {
  if (signal === undefined || !signal.aborted) return undefined;
  const reason: unknown = signal.reason;
  if (reason instanceof ModelbusError) return reason;
  return new ModelbusError({ code: "E_CANCELLED", message: `request cancelled: ${messageOf(reason)}`, cause: reason });
}

function throwIfCancelled(signal: AbortSignal | undefined): void {
  const cancelled = cancellation(signal);
  if (cancelled !== undefined) throw cancelled;
}

function nonNegativeCount(value: number): number {
  return Number.isNaN(value) ? 0 : Math.max(0, Math.floor(value));
}

function messageOf(value: unknown): string {
  if (value instanceof Error) return value.message;
  return value === undefined ? "aborted" : String(value);
}
