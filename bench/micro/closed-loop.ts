/** What one closed loop measured: calls per second, calls made, and this process's CPU ms per call. */
export interface ClosedLoopResult {
  readonly rate: number;
  readonly done: number;
  readonly cpuMsPerCall: number;
}

/**
 * `concurrency` workers, each calling `call` again as soon as its previous call settled, for
 * `ms` milliseconds. CPU is this process's (user + system) over the loop.
 */
export async function closedLoop(concurrency: number, ms: number, call: () => Promise<unknown>): Promise<ClosedLoopResult> {
  const startedAt = performance.now();
  const cpuBefore = process.cpuUsage();
  let done = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() - startedAt < ms) {
        await call();
        done += 1;
      }
    }),
  );
  const cpu = process.cpuUsage(cpuBefore);
  return { rate: done / ((performance.now() - startedAt) / 1_000), done, cpuMsPerCall: (cpu.user + cpu.system) / 1_000 / done };
}

/**
 * A 500 ms warm-up (connections, query plans, JIT), then `afterWarmUp` (to reset counters the
 * warm-up moved), then the measured closed loop of `ms`.
 */
export async function warmedClosedLoop(concurrency: number, ms: number, call: () => Promise<unknown>, afterWarmUp?: () => void): Promise<ClosedLoopResult> {
  await closedLoop(concurrency, 500, call);
  afterWarmUp?.();
  return closedLoop(concurrency, ms, call);
}
