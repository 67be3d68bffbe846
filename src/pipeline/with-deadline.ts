import { ModelbusError } from "../core/modelbus-error.ts";
import type { ResolvedTimeout } from "./resolve-timeout.ts";

/**
 * Runs fn under one deadline covering the throttle wait, every attempt and every backoff.
 * The signal fn receives aborts with an E_PROVIDER_TIMEOUT error when time is up, or with
 * the parent's reason (shutdown) when the parent aborts first.
 */
export async function withDeadline<T>(
  parent: AbortSignal,
  timeout: ResolvedTimeout,
  now: () => number,
  fn: (signal: AbortSignal, deadlineMs: number) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  const onParentAbort = () => controller.abort(parent.reason);
  if (parent.aborted) onParentAbort();
  else parent.addEventListener("abort", onParentAbort, { once: true });
  const timer = setTimeout(() => {
    controller.abort(
      new ModelbusError({
        code: "E_PROVIDER_TIMEOUT",
        message: `request timed out after ${timeout.timeoutMs}ms (timeout from ${timeout.source})`,
      }),
    );
  }, timeout.timeoutMs);
  try {
    return await fn(controller.signal, now() + timeout.timeoutMs);
  } finally {
    clearTimeout(timer);
    parent.removeEventListener("abort", onParentAbort);
  }
}
