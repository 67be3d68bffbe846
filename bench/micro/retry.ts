/**
 * Micro-benchmark of the retry path on success (the hot path): runWithRetry around an
 * attempt that succeeds at once, set up as the pipeline does (policy, signal, deadline),
 * against awaiting the attempt directly. Reports calls/s and the overhead per call.
 */
import { defaultRetryPolicy } from "../../src/retry/retry-policy.ts";
import { runWithRetry } from "../../src/retry/run-with-retry.ts";
import { sleepWithSignal } from "../../src/retry/sleep-with-signal.ts";
import { medianOf, printMicroResult } from "./micro-output.ts";

const roundMs = Number(process.env.MICRO_ROUND_MS ?? 1_000);
const attempt = () => Promise.resolve(1);

async function callsPerSecond(call: () => Promise<unknown>): Promise<number> {
  const startedAt = performance.now();
  let done = 0;
  while (performance.now() - startedAt < roundMs) {
    for (let index = 0; index < 1_000; index += 1) await call();
    done += 1_000;
  }
  return done / ((performance.now() - startedAt) / 1_000);
}

const signal = new AbortController().signal;
const now = () => performance.now();
const withRetry = () =>
  runWithRetry(attempt, { policy: defaultRetryPolicy, sleep: sleepWithSignal, now, deadlineMs: now() + 60_000, signal, onRetry: () => undefined });

await callsPerSecond(withRetry); // warm-up
const direct = await medianOf(3, () => callsPerSecond(attempt));
const retried = await medianOf(3, () => callsPerSecond(withRetry));
printMicroResult({
  name: "retry",
  unit: "calls/s",
  results: { direct_call: direct, run_with_retry: retried, overhead_us_per_call: Math.round((1e6 / retried - 1e6 / direct) * 100) / 100 },
  notes: "sequential calls; overhead_us_per_call is in microseconds",
});
process.exit(0);
