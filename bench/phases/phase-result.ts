import type { ChildUsage } from "../children/child-protocol.ts";
import type { PhaseRecorder } from "../load/phase-recorder.ts";
import type { PhaseResult } from "../report/result-types.ts";
import type { MachineCpu } from "../support/machine-cpu.ts";
import { percentileOfSorted, round3 } from "../stats/percentiles.ts";

const cpuSeconds = (before: ChildUsage, after: ChildUsage) => (after.cpuUserUs + after.cpuSystemUs - before.cpuUserUs - before.cpuSystemUs) / 1e6;

export interface PhaseUsage {
  readonly sut: readonly [ChildUsage, ChildUsage];
  readonly mock: readonly [ChildUsage, ChildUsage];
  readonly loadgen: readonly [NodeJS.CpuUsage, NodeJS.CpuUsage];
  readonly machine: readonly [MachineCpu, MachineCpu];
}

/** One phase's numbers: the recorder's counts and latencies plus the processes' CPU and memory. */
export function phaseResult(recorder: PhaseRecorder, kind: "closed" | "open", usage: PhaseUsage, targetRate?: number): PhaseResult {
  const cpu = cpuSeconds(usage.sut[0], usage.sut[1]);
  const loadgen = (usage.loadgen[1].user + usage.loadgen[1].system - usage.loadgen[0].user - usage.loadgen[0].system) / 1e6;
  const lags = [...recorder.sendLags].sort((a, b) => a - b);
  return {
    name: recorder.name,
    kind,
    ...(targetRate === undefined ? {} : { target_rate_rps: targetRate }),
    sent: recorder.sent,
    ok: recorder.ok,
    incorrect: recorder.incorrect,
    missing: recorder.missing,
    send_errors: recorder.sendErrors,
    problems: recorder.problems,
    throughput_rps: round3(recorder.throughput()),
    latency_ms: recorder.latency(),
    send_lag_p99_ms: round3(percentileOfSorted(lags, 0.99)),
    cpu_s: round3(cpu),
    cpu_s_per_1k: round3(recorder.ok > 0 ? (cpu / recorder.ok) * 1_000 : Number.NaN),
    mock_cpu_s: round3(cpuSeconds(usage.mock[0], usage.mock[1])),
    loadgen_cpu_s: round3(loadgen),
    services_cpu_s: round3(usage.machine[1].servicesS - usage.machine[0].servicesS),
    database_cpu_s: round3(usage.machine[1].databaseS - usage.machine[0].databaseS),
    // Whatever else ran on the machine meanwhile (other users' processes): noise in the numbers.
    other_cpu_s: round3(
      usage.machine[1].busyS -
        usage.machine[0].busyS -
        cpu -
        cpuSeconds(usage.mock[0], usage.mock[1]) -
        loadgen -
        (usage.machine[1].servicesS - usage.machine[0].servicesS),
    ),
    duration_s: round3((recorder.lastCompletionAt - recorder.startedAt) / 1_000),
    rss_mb_end: round3(usage.sut[1].rssBytes / 1_048_576),
    heap_total_mb_end: round3(usage.sut[1].heapTotalBytes / 1_048_576),
    external_mb_end: round3(usage.sut[1].externalBytes / 1_048_576),
    event_loop_delay_ms: usage.sut[1].eventLoopDelay,
    ...(usage.sut[1].counters ? { sut_counters: usage.sut[1].counters } : {}),
  };
}
