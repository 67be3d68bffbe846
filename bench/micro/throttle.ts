/**
 * Micro-benchmark of the throttle path: EndpointThrottle.schedule with no limits (the
 * direct path) and with maxConcurrent (Bottleneck), against calling the job directly.
 * 1,000 jobs in flight at once, rounds of about a second; ops/s, median of 3 rounds.
 */
import { EndpointThrottle } from "../../src/throttle/endpoint-throttle.ts";
import { medianOf, printMicroResult } from "./micro-output.ts";

const inFlight = 1_000;
const roundMs = Number(process.env.MICRO_ROUND_MS ?? 1_000);
const job = () => Promise.resolve(1);

async function opsPerSecond(schedule: (fn: () => Promise<number>) => Promise<number>): Promise<number> {
  const startedAt = performance.now();
  let done = 0;
  while (performance.now() - startedAt < roundMs) {
    const batch: Promise<number>[] = [];
    for (let index = 0; index < inFlight; index += 1) batch.push(schedule(job));
    await Promise.all(batch);
    done += inFlight;
  }
  return done / ((performance.now() - startedAt) / 1_000);
}

const unlimited = new EndpointThrottle("micro-unlimited", { maxQueue: 100_000 });
const capped = new EndpointThrottle("micro-capped", { maxConcurrent: 64, maxQueue: 100_000 });
await opsPerSecond((fn) => unlimited.schedule(fn)); // warm-up
await opsPerSecond((fn) => capped.schedule(fn));
/** One job at a time: how long a lone request spends in schedule() (µs). */
async function loneJobMicroseconds(throttle: EndpointThrottle): Promise<number> {
  const calls = 200;
  const startedAt = performance.now();
  for (let index = 0; index < calls; index += 1) await throttle.schedule(job);
  return Math.round(((performance.now() - startedAt) / calls) * 1_000);
}

const direct = await medianOf(3, () => opsPerSecond((fn) => fn()));
const noLimits = await medianOf(3, () => opsPerSecond((fn) => unlimited.schedule(fn)));
const maxConcurrent = await medianOf(3, () => opsPerSecond((fn) => capped.schedule(fn)));
const loneNoLimits = await loneJobMicroseconds(unlimited);
const loneCapped = await loneJobMicroseconds(capped);
await Promise.all([unlimited.stop(), capped.stop()]);
printMicroResult({
  name: "throttle",
  unit: "ops/s (lone_* in µs per call)",
  results: {
    direct_call: direct,
    no_limits: noLimits,
    max_concurrent_64: maxConcurrent,
    lone_job_no_limits_us: loneNoLimits,
    lone_job_max_concurrent_64_us: loneCapped,
  },
  notes: `${inFlight} jobs in flight; each job resolves at once, so this is the throttle's own cost per call. lone_*: one job at a time`,
});
process.exit(0);
