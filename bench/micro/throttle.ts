/**
 * Micro-benchmark of the throttle path: EndpointThrottle.schedule with no limits (the
 * direct path), with maxConcurrent (the concurrency cap) and with a request bucket too large
 * to bind (the bucket's bookkeeping), against calling the job directly. In-process limits
 * (no Redis). 1,000 jobs in flight at once, rounds of about a second; ops/s, median of 3 rounds.
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
// 20 M tokens a second, above what even the direct call reaches, and a burst of 100 batches: never binds.
const bucketed = new EndpointThrottle("micro-bucket", { requestsPerMinute: 1_200_000_000, burst: 100_000, maxQueue: 100_000 });
await opsPerSecond((fn) => unlimited.schedule(fn)); // warm-up
await opsPerSecond((fn) => capped.schedule(fn));
await opsPerSecond((fn) => bucketed.schedule(fn));
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
const bucket = await medianOf(3, () => opsPerSecond((fn) => bucketed.schedule(fn)));
const loneNoLimits = await loneJobMicroseconds(unlimited);
const loneCapped = await loneJobMicroseconds(capped);
const loneBucket = await loneJobMicroseconds(bucketed);
await Promise.all([unlimited.stop(), capped.stop(), bucketed.stop()]);
printMicroResult({
  name: "throttle",
  unit: "ops/s (lone_* in µs per call)",
  results: {
    direct_call: direct,
    no_limits: noLimits,
    max_concurrent_64: maxConcurrent,
    rpm_1200m_burst_100k: bucket,
    lone_job_no_limits_us: loneNoLimits,
    lone_job_max_concurrent_64_us: loneCapped,
    lone_job_rpm_1200m_burst_100k_us: loneBucket,
  },
  notes: `${inFlight} jobs in flight; each job resolves at once, so this is the throttle's own cost per call. lone_*: one job at a time`,
});
process.exit(0);
