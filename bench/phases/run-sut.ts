import type { BenchOptions } from "../bench-options.ts";
import type { BenchChild } from "../children/spawn-child.ts";
import { benchApiKey, httpKinds, startSut, type SutKind } from "../children/start-sut.ts";
import { benchNames, natsUrl } from "../load/bench-names.ts";
import { closedLoop } from "../load/closed-loop.ts";
import { HttpTarget, probeHttpDoor, type HttpProbe } from "../load/http-target.ts";
import type { LoadTarget } from "../load/load-target.ts";
import { NatsTarget } from "../load/nats-target.ts";
import { openLoop } from "../load/open-loop.ts";
import type { PhaseRecorder } from "../load/phase-recorder.ts";
import type { PhaseResult, SutRunResult } from "../report/result-types.ts";
import { countInDatabase, createBenchDatabase } from "../support/bench-database.ts";
import { machineCpu } from "../support/machine-cpu.ts";
import { phaseResult } from "./phase-result.ts";

export interface RunContext {
  readonly options: BenchOptions;
  readonly mock: BenchChild;
  /** The mock process's OTLP/HTTP sink, where the "traced" run exports its spans. */
  readonly otlpUrl?: string | undefined;
  readonly mockUrl: string;
  readonly log: (line: string) => void;
}

/** Runs one measured phase, taking CPU/RSS snapshots of the system, the mock and this process around it. */
export async function measured(
  context: RunContext,
  child: BenchChild,
  kind: "closed" | "open",
  run: () => Promise<PhaseRecorder>,
  targetRate?: number,
): Promise<PhaseResult> {
  const sutBefore = await child.usage(true);
  const mockBefore = await context.mock.usage();
  const machineBefore = machineCpu();
  const loadBefore = process.cpuUsage();
  const recorder = await run();
  const loadAfter = process.cpuUsage();
  const machineAfter = machineCpu();
  const sutAfter = await child.usage(true);
  const mockAfter = await context.mock.usage();
  return phaseResult(
    recorder,
    kind,
    { sut: [sutBefore, sutAfter], mock: [mockBefore, mockAfter], loadgen: [loadBefore, loadAfter], machine: [machineBefore, machineAfter] },
    targetRate,
  );
}

export function phaseFailures(phase: PhaseResult): string[] {
  const failures: string[] = [];
  if (phase.incorrect > 0) failures.push(`${phase.name}: ${phase.incorrect} incorrect responses (${phase.problems.join("; ")})`);
  if (phase.missing > 0) failures.push(`${phase.name}: ${phase.missing} requests without a response`);
  if (phase.send_errors > 0) failures.push(`${phase.name}: ${phase.send_errors} requests could not be sent (${phase.problems.join("; ")})`);
  return failures;
}

/**
 * One run of one system under test in a fresh child process with its own stream, consumer
 * and database: warm-up, closed loop (max throughput), then each open-loop rate; then the
 * exactly-once checks (every request answered once, the stream holds one response per
 * request, one stored row per request). `probeHttp` asks modelbus's HTTP door on the way out.
 */
export async function runSut(
  context: RunContext,
  kind: SutKind,
  repeat: number,
  extra: { probeHttp?: boolean } = {},
): Promise<{ result: SutRunResult; httpProbe?: HttpProbe }> {
  const { options, log } = context;
  const names = benchNames(kind);
  const database = await createBenchDatabase(names.database);
  const startedAt = performance.now();
  const { child, info } = await startSut(kind, names, database.url, context.mockUrl, { ...options, otlpUrl: context.otlpUrl }).catch(async (error: unknown) => {
    await database.drop();
    throw error;
  });
  const startupMs = Math.round(performance.now() - startedAt);
  const idle = await child.usage();
  const nats = await NatsTarget.connect({ natsUrl, prefix: names.prefix, runTag: `${kind}${repeat}-${names.id}`, providerDelayMs: options.providerDelayMs });
  const target: LoadTarget = httpKinds.has(kind) ? new HttpTarget(String(info.httpUrl), benchApiKey, options.providerDelayMs, options.outstanding) : nats;
  let sequence = 0;
  const nextSequence = () => ++sequence;
  const phases: PhaseResult[] = [];
  const failures: string[] = [];
  let httpProbe: HttpProbe | undefined;
  let storedResponses: number | undefined;
  let storedRows: number | undefined;
  let peakRssMb: number;
  let counters: Record<string, number> | undefined;
  try {
    log(`  ${kind} #${repeat}: started in ${startupMs} ms (pid ${child.pid}); warm-up`);
    const warmup = await closedLoop(target, { name: "warmup", outstanding: options.outstanding, durationMs: options.warmupMs, nextSequence });
    const warmupFailed = warmup.failed;
    if (warmupFailed > 0) failures.push(`warmup: ${warmupFailed} failed (${warmup.problems.join("; ")})`);
    const closed = await measured(context, child, "closed", () =>
      closedLoop(target, { name: "closed", outstanding: options.outstanding, durationMs: options.closedMs, nextSequence }),
    );
    phases.push(closed);
    log(`  ${kind} #${repeat}: closed loop ${closed.throughput_rps.toFixed(0)} req/s, p50 ${closed.latency_ms.p50} ms, cpu ${closed.cpu_s_per_1k} s/1k`);
    for (const rate of options.openRates) {
      const open = await measured(
        context,
        child,
        "open",
        () => openLoop(target, { name: `open_${rate}`, ratePerSecond: rate, durationMs: options.openMs, nextSequence }),
        rate,
      );
      phases.push(open);
      log(`  ${kind} #${repeat}: ${rate} req/s → p50 ${open.latency_ms.p50} p90 ${open.latency_ms.p90} p99 ${open.latency_ms.p99} ms`);
    }
    for (const phase of phases) failures.push(...phaseFailures(phase));

    await new Promise((resolve) => setTimeout(resolve, 500)); // late duplicates would arrive now
    const sentTotal = warmup.sent + phases.reduce((sum, phase) => sum + phase.sent, 0);
    if (nats.duplicates > 0) failures.push(`${nats.duplicates} duplicate responses`);
    if (nats.unexpected > 0) failures.push(`${nats.unexpected} responses to requests never sent`);
    if (!httpKinds.has(kind)) {
      storedResponses = await nats.storedResponses(names.stream);
      if (storedResponses !== sentTotal) failures.push(`the stream holds ${storedResponses} responses for ${sentTotal} requests`);
    }
    if (kind !== "nostore" && kind !== "httpnostore") {
      storedRows = await countInDatabase(
        names.database,
        kind === "floor" ? "SELECT COUNT(*) FROM floor_responses" : "SELECT COUNT(*) FROM inferences WHERE completed_at IS NOT NULL",
      );
      if (!httpKinds.has(kind) && storedRows !== sentTotal) failures.push(`${storedRows} stored rows for ${sentTotal} requests`);
    }
    if (extra.probeHttp) httpProbe = await probeHttpDoor(String(info.httpUrl), benchApiKey);
    const final = await child.stop();
    peakRssMb = final ? Math.round((final.maxRssBytes / 1_048_576) * 10) / 10 : Number.NaN;
    counters = final?.counters ? { ...final.counters } : undefined;
    const result: SutRunResult = {
      sut: kind,
      repeat,
      startup_ms: startupMs,
      idle_rss_mb: Math.round((idle.rssBytes / 1_048_576) * 10) / 10,
      phases,
      peak_rss_mb: peakRssMb,
      sent_total: sentTotal,
      duplicates: nats.duplicates,
      unexpected: nats.unexpected,
      ...(storedResponses === undefined ? {} : { stored_responses: storedResponses }),
      ...(storedRows === undefined ? {} : { stored_rows: storedRows }),
      failures,
      ...(counters ? { counters } : {}),
    };
    if (failures.length > 0) log(`  ${kind} #${repeat}: FAILED: ${failures.join(" | ")}\n${child.logs.slice(-2_000)}`);
    return httpProbe ? { result, httpProbe } : { result };
  } finally {
    child.kill();
    if (target !== nats) await target.close();
    await nats.deleteStream(names.stream);
    await nats.close();
    await database.drop();
  }
}
