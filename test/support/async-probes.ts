import { ModelbusError } from "../../src/core/modelbus-error.ts";

/** Small tools for tests of code that waits: gates, polls and deadlines. */
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A promise the test opens when it chooses: holds a job "running". */
export function gate(): { promise: Promise<void>; open: () => void } {
  let open = () => {};
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

export async function waitFor(condition: () => boolean, timeoutMs = 2_000, stepMs = 2): Promise<void> {
  const until = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > until) throw new Error("condition not met in time");
    await sleep(stepMs);
  }
}

/** The promise's value, or a failure when it is still pending after `ms`. */
export function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  return Promise.race([
    promise,
    sleep(ms).then(() => {
      throw new Error(`still pending after ${ms}ms`);
    }),
  ]);
}

/** What the promise rejected with; fails the test when it resolves. */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected a rejection");
}

/** Like `rejection`, for code that must reject with a ModelbusError. */
export async function modelbusRejection(promise: Promise<unknown>): Promise<ModelbusError> {
  const error = await rejection(promise);
  if (error instanceof ModelbusError) return error;
  throw error;
}
