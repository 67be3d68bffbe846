import { startSut } from "../children/start-sut.ts";
import { benchNames, natsUrl } from "../load/bench-names.ts";
import { closedLoop } from "../load/closed-loop.ts";
import { NatsTarget } from "../load/nats-target.ts";
import { openLoop } from "../load/open-loop.ts";
import type { SoakResult, SoakSample } from "../report/result-types.ts";
import { createBenchDatabase } from "../support/bench-database.ts";
import { machineCpu } from "../support/machine-cpu.ts";
import { median, round3 } from "../stats/percentiles.ts";
import { measured, phaseFailures, type RunContext } from "./run-sut.ts";

const sampleEveryMs = 5_000;

/**
 * RSS flat = the last quarter's median RSS within 10 % (and 20 MB) of the first quarter's;
 * loop flat = the last quarter's median event-loop p99 at most 1.5 × the first quarter's + 2 ms.
 */
export function soakVerdict(samples: readonly SoakSample[]) {
  const quarter = Math.max(1, Math.floor(samples.length / 4));
  const first = samples.slice(0, quarter);
  const last = samples.slice(-quarter);
  const rssFirst = median(first.map((sample) => sample.rss_mb));
  const rssLast = median(last.map((sample) => sample.rss_mb));
  const eldFirst = median(first.map((sample) => sample.eld_p99_ms));
  const eldLast = median(last.map((sample) => sample.eld_p99_ms));
  const growthMb = rssLast - rssFirst;
  const growthPct = (growthMb / rssFirst) * 100;
  const rssFlat = growthMb < 20 && growthPct < 10;
  const eldFlat = eldLast <= eldFirst * 1.5 + 2;
  const busy = (part: readonly SoakSample[]) => round3(median(part.map((sample) => sample.machine_busy_cores ?? Number.NaN)));
  return {
    rss_growth_mb: round3(growthMb),
    rss_growth_pct: round3(growthPct),
    eld_p99_first_ms: round3(eldFirst),
    eld_p99_last_ms: round3(eldLast),
    machine_busy_cores_first: busy(first),
    machine_busy_cores_last: busy(last),
    rss_flat: rssFlat,
    eld_flat: eldFlat,
    flat: rssFlat && eldFlat,
  };
}

/**
 * A fresh modelbus under a steady open-loop rate for the soak duration, sampling RSS, heap
 * and event-loop delay (per 5 s window) to show they stay flat.
 */
export async function runSoak(context: RunContext, rate: number): Promise<SoakResult> {
  const { options, log } = context;
  const names = benchNames("soak");
  const database = await createBenchDatabase(names.database);
  const { child } = await startSut("modelbus", names, database.url, context.mockUrl, options);
  const nats = await NatsTarget.connect({ natsUrl, prefix: names.prefix, runTag: `soak-${names.id}`, providerDelayMs: options.providerDelayMs });
  let sequence = 0;
  const nextSequence = () => ++sequence;
  try {
    await closedLoop(nats, { name: "warmup", outstanding: options.outstanding, durationMs: options.warmupMs, nextSequence });
    const samples: SoakSample[] = [];
    const startedAt = performance.now();
    await child.usage(true);
    let machineBefore = machineCpu();
    let sampledAt = performance.now();
    const sampler = setInterval(() => {
      const machineNow = machineCpu();
      const now = performance.now();
      const busyCores = (machineNow.busyS - machineBefore.busyS) / ((now - sampledAt) / 1_000);
      machineBefore = machineNow;
      sampledAt = now;
      void child.usage(true).then((usage) => {
        const sample: SoakSample = {
          t_s: Math.round((performance.now() - startedAt) / 1_000),
          rss_mb: round3(usage.rssBytes / 1_048_576),
          heap_mb: round3(usage.heapUsedBytes / 1_048_576),
          heap_total_mb: round3(usage.heapTotalBytes / 1_048_576),
          external_mb: round3(usage.externalBytes / 1_048_576),
          eld_p50_ms: usage.eventLoopDelay.p50,
          eld_p99_ms: usage.eventLoopDelay.p99,
          eld_max_ms: usage.eventLoopDelay.max,
          machine_busy_cores: round3(busyCores),
        };
        samples.push(sample);
        log(`  soak t=${sample.t_s}s rss ${sample.rss_mb.toFixed(1)} MB heap ${sample.heap_mb.toFixed(1)} MB loop p99 ${sample.eld_p99_ms} ms`);
      });
    }, sampleEveryMs);
    const phase = await measured(context, child, "open", () =>
      openLoop(nats, { name: `soak_${rate}`, ratePerSecond: rate, durationMs: options.soakMs, nextSequence }),
    ).finally(() => clearInterval(sampler));
    const failures = phaseFailures(phase);
    if (nats.duplicates > 0) failures.push(`${nats.duplicates} duplicate responses`);
    await child.stop();
    return { sut: "modelbus", rate_rps: rate, duration_s: options.soakMs / 1_000, samples, ...soakVerdict(samples), phase, failures };
  } finally {
    child.kill();
    await nats.deleteStream(names.stream);
    await nats.close();
    await database.drop();
  }
}
