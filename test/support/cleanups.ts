import { afterEach } from "vitest";

/**
 * Registers an afterEach that undoes, in reverse order, whatever a test set up (services,
 * streams, databases, child processes); a failing cleanup never hides the others.
 */
export function cleanupAfterEach(): (cleanup: () => Promise<unknown>) => void {
  const cleanups: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  });
  return (cleanup) => {
    cleanups.push(cleanup);
  };
}
