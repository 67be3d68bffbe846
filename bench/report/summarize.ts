import type { BenchOptions } from "../bench-options.ts";
import type { SutKind } from "../children/start-sut.ts";
import { median, round3 } from "../stats/percentiles.ts";
import { machineInfo, type MachineInfo } from "./machine-info.ts";
import { streamingTargets } from "./streaming-summary.ts";
import { bound, spread, type Target } from "./targets.ts";
import type { MicroResult, PhaseResult, SoakResult, StreamingResult, SutRunResult } from "./result-types.ts";

/** The medians of one system under test over its repeats. */
export interface SutSummary {
  readonly runs: number;
  readonly max_throughput_rps: number;
  readonly cpu_s_per_1k: number;
  readonly peak_rss_mb: number;
  readonly idle_rss_mb: number;
  readonly latency_ms: Readonly<Record<string, { p50: number; p90: number; p99: number; achieved_rps: number }>>;
  readonly other_cpu_s_closed: number;
}

export interface BenchSummary {
  readonly date: string;
  readonly command: string;
  readonly mode: "quick" | "full";
  readonly duration_s: number;
  readonly machine: MachineInfo & { readonly loadavg_1m_start: number };
  readonly options: BenchOptions;
  readonly http_door: { readonly available: boolean; readonly reason?: string };
  readonly summary: Partial<Record<SutKind, SutSummary>>;
  /** Per-repeat ratios (modelbus_i / floor_i), then their median. */
  readonly ratios: Readonly<Record<string, Readonly<Record<string, number>>>>;
  /** The per-repeat values behind each median in `ratios`, in repeat order. */
  readonly ratios_per_repeat?: Readonly<Record<string, Readonly<Record<string, readonly number[]>>>>;
  readonly targets: readonly Target[];
  readonly soak?: SoakResult | undefined;
  readonly streaming?: StreamingResult | undefined;
  readonly micro: readonly MicroResult[];
  readonly correctness: { readonly requests: number; readonly failures: readonly string[] };
  readonly runs: readonly SutRunResult[];
}

const phase = (run: SutRunResult, name: string): PhaseResult | undefined => run.phases.find((candidate) => candidate.name === name);

function summarizeSut(runs: readonly SutRunResult[], rates: readonly number[]): SutSummary {
  const of = (name: string, pick: (phase: PhaseResult) => number) =>
    round3(
      median(
        runs
          .map((run) => phase(run, name))
          .filter((found): found is PhaseResult => found !== undefined)
          .map(pick),
      ),
    );
  const latency: Record<string, { p50: number; p90: number; p99: number; achieved_rps: number }> = {};
  for (const rate of rates) {
    const name = `open_${rate}`;
    latency[String(rate)] = {
      p50: of(name, (found) => found.latency_ms.p50),
      p90: of(name, (found) => found.latency_ms.p90),
      p99: of(name, (found) => found.latency_ms.p99),
      achieved_rps: of(name, (found) => found.throughput_rps),
    };
  }
  return {
    runs: runs.length,
    max_throughput_rps: of("closed", (found) => found.throughput_rps),
    cpu_s_per_1k: of("closed", (found) => found.cpu_s_per_1k),
    peak_rss_mb: round3(median(runs.map((run) => run.peak_rss_mb))),
    idle_rss_mb: round3(median(runs.map((run) => run.idle_rss_mb))),
    latency_ms: latency,
    other_cpu_s_closed: of("closed", (found) => found.other_cpu_s),
  };
}

/** Ratios and overheads computed within each repeat (same run, adjacent in time), then the median. */
/** `kind` against `base` (the floor unless named), repeat by repeat: ratios, and differences for latency. */
function pairedRatios(
  runs: readonly SutRunResult[],
  kind: SutKind,
  rates: readonly number[],
  base: SutKind = "floor",
): { medians: Record<string, number>; perRepeat: Record<string, number[]> } {
  const pairs = runs
    .filter((run) => run.sut === kind)
    .map((run) => [runs.find((other) => other.sut === base && other.repeat === run.repeat), run] as const)
    .filter((pair): pair is readonly [SutRunResult, SutRunResult] => pair[0] !== undefined);
  const medians: Record<string, number> = {};
  const perRepeat: Record<string, number[]> = {};
  const add = (name: string, pick: (floor: SutRunResult, sut: SutRunResult) => number | undefined) => {
    perRepeat[name] = pairs.map(([floor, sut]) => round3(pick(floor, sut) ?? Number.NaN));
    medians[name] = round3(median(perRepeat[name]));
  };
  const closed = (run: SutRunResult) => phase(run, "closed");
  add("throughput", (floor, sut) => (closed(sut)?.throughput_rps ?? Number.NaN) / (closed(floor)?.throughput_rps ?? Number.NaN));
  add("cpu_per_request", (floor, sut) => (closed(sut)?.cpu_s_per_1k ?? Number.NaN) / (closed(floor)?.cpu_s_per_1k ?? Number.NaN));
  add("peak_rss", (floor, sut) => sut.peak_rss_mb / floor.peak_rss_mb);
  for (const rate of rates) {
    const at = (run: SutRunResult) => phase(run, `open_${rate}`)?.latency_ms;
    for (const percentile of ["p50", "p90", "p99"] as const) {
      add(`${percentile}_overhead_ms_at_${rate}`, (floor, sut) => (at(sut)?.[percentile] ?? Number.NaN) - (at(floor)?.[percentile] ?? Number.NaN));
    }
  }
  return { medians, perRepeat };
}

/**
 * The store's cost on each door (--with-nostore): store on against store off at 200 and 500
 * req/s, p50 ≤ 0.5 ms and p99 ≤ 2 ms; throughput ≥ 0.8 × store off, and ≥ 0.9 × floorstore
 * (--with-floorstore). Beside them, the reframings (bench/results/store-cost.md): the least the
 * guarantees cost, measured by the store-latency micro in the same run — one claim plus one
 * durable commit on the JetStream door, one durable commit on the HTTP door (a request_id made
 * for the request needs no claim) — + 0.2 ms at p50 and the same steps' p99 + 2 ms at p99; and the
 * store's throughput cost against what the same records cost the no-logic floor (store on ÷ off
 * ≥ 0.9 × floorstore ÷ floor), since modelbus with the store off is itself below floorstore.
 */
function storeCostTargets(
  ratios: Readonly<Record<string, Record<string, number>>>,
  perRepeat: Readonly<Record<string, Record<string, number[]>>>,
  rates: readonly number[],
  micro: readonly MicroResult[],
): Target[] {
  const list: Target[] = [];
  const latency = micro.find((result) => result.name === "store-latency")?.results;
  const step = (name: string) => Number(latency?.[name] ?? Number.NaN);
  // The least each door's guarantees cost: JetStream claims, then commits; a fresh HTTP id only commits.
  const leastMs = {
    JetStream: {
      steps: "claim + durable commit",
      p50: round3(step("claim_p50") + step("durable_commit_p50")),
      p99: round3(step("claim_p99") + step("durable_commit_p99")),
    },
    HTTP: { steps: "durable commit", p50: round3(step("durable_commit_p50")), p99: round3(step("durable_commit_p99")) },
  };

  const floorCost = perRepeat.floorstore_vs_floor?.throughput;
  for (const [door, key] of [
    ["JetStream", "modelbus_vs_nostore"],
    ["HTTP", "http_vs_httpnostore"],
  ] as const) {
    const paired = ratios[key];
    const repeats = perRepeat[key] ?? {};
    if (paired === undefined) continue;
    const least = leastMs[door];
    for (const rate of rates.filter((each) => each === 200 || each === 500)) {
      const p50 = `p50_overhead_ms_at_${rate}`;
      const p99 = `p99_overhead_ms_at_${rate}`;
      list.push(
        bound(`${door} store cost (on − off), p50 at ${rate} req/s`, repeats, paired, p50, 0.5, " ms", true),
        bound(`${door} store cost (on − off), p99 at ${rate} req/s`, repeats, paired, p99, 2, " ms", true),
      );
      if (latency !== undefined) {
        list.push(
          bound(
            `${door} store cost, p50 at ${rate} req/s, against ${least.steps} (${least.p50} ms) + 0.2 ms`,
            repeats,
            paired,
            p50,
            round3(least.p50 + 0.2),
            " ms",
            true,
          ),
          bound(
            `${door} store cost, p99 at ${rate} req/s, against ${least.steps} p99 (${least.p99} ms) + 2 ms`,
            repeats,
            paired,
            p99,
            round3(least.p99 + 2),
            " ms",
            true,
          ),
        );
      }
    }
    list.push(bound(`${door} throughput, store on ÷ store off`, repeats, paired, "throughput", 0.8, " ×", false));
    const onOff = repeats.throughput;
    if (floorCost !== undefined && onOff !== undefined && floorCost.length === onOff.length) {
      const relative = onOff.map((value, index) => round3(value / (floorCost[index] as number)));
      list.push(
        bound(
          `${door} throughput, store on ÷ store off, against the floor's own (floorstore ÷ floor)`,
          { relative },
          { relative: round3(median(relative)) },
          "relative",
          0.9,
          " ×",
          false,
        ),
      );
    }
  }
  const floorstore = ratios.modelbus_vs_floorstore;
  if (floorstore)
    list.push(bound("JetStream throughput, modelbus ÷ floorstore", perRepeat.modelbus_vs_floorstore ?? {}, floorstore, "throughput", 0.9, " ×", false));
  const storeOff = ratios.nostore_vs_floorstore;
  if (storeOff)
    list.push(
      bound(
        "JetStream throughput, modelbus with the store off ÷ floorstore (what the store's target cannot exceed)",
        perRepeat.nostore_vs_floorstore ?? {},
        storeOff,
        "throughput",
        0.9,
        " ×",
        false,
      ),
    );
  return list;
}

function targets(
  ratios: Record<string, number>,
  perRepeat: Record<string, readonly number[]>,
  modelbus: SutSummary | undefined,
  soak: SoakResult | undefined,
): Target[] {
  const list: Target[] = [
    {
      name: "p50 overhead over the floor at 200 req/s",
      target: "≤ 1 ms",
      actual: `${ratios.p50_overhead_ms_at_200} ms${spread(perRepeat.p50_overhead_ms_at_200)}`,
      met: (ratios.p50_overhead_ms_at_200 ?? Number.POSITIVE_INFINITY) <= 1,
    },
    {
      name: "p99 overhead over the floor at 200 req/s",
      target: "≤ 5 ms",
      actual: `${ratios.p99_overhead_ms_at_200} ms${spread(perRepeat.p99_overhead_ms_at_200)}`,
      met: (ratios.p99_overhead_ms_at_200 ?? Number.POSITIVE_INFINITY) <= 5,
    },
    {
      name: "modelbus peak RSS at full load",
      target: "< 200 MB",
      actual: `${modelbus?.peak_rss_mb} MB`,
      met: (modelbus?.peak_rss_mb ?? Number.POSITIVE_INFINITY) < 200,
    },
  ];
  if (soak) {
    list.push(
      {
        name: `soak ${soak.duration_s} s at ${soak.rate_rps} req/s: RSS flat`,
        target: "last quarter within 10 % and 20 MB of the first",
        actual: `${soak.rss_growth_mb >= 0 ? "+" : ""}${soak.rss_growth_mb} MB (${soak.rss_growth_pct} %)`,
        met: soak.rss_flat,
      },
      {
        name: `soak ${soak.duration_s} s at ${soak.rate_rps} req/s: event-loop delay flat`,
        target: "last quarter's p99 ≤ 1.5 × the first's + 2 ms",
        actual: `p99 ${soak.eld_p99_first_ms} → ${soak.eld_p99_last_ms} ms (machine busy ${soak.machine_busy_cores_first} → ${soak.machine_busy_cores_last} cores)`,
        met: soak.eld_flat,
      },
    );
  }
  return list;
}

export function summarize(input: {
  options: BenchOptions;
  runs: readonly SutRunResult[];
  soak: SoakResult | undefined;
  streaming?: StreamingResult | undefined;
  micro: readonly MicroResult[];
  httpStatus: { available: boolean; reason?: string } | undefined;
  startedAt: Date;
  argv: readonly string[];
  loadavgStart: number;
}): BenchSummary {
  const { options, runs, soak } = input;
  const summary: Partial<Record<SutKind, SutSummary>> = {};
  for (const kind of ["floor", "modelbus", "http", "nostore", "httpnostore", "floorstore", "traced"] as const) {
    const ofKind = runs.filter((run) => run.sut === kind);
    if (ofKind.length > 0) summary[kind] = summarizeSut(ofKind, options.openRates);
  }
  const ratios: Record<string, Record<string, number>> = {};
  const ratiosPerRepeat: Record<string, Record<string, number[]>> = {};
  const compared = [
    ["modelbus_vs_floor", "modelbus", "floor"],
    ["http_vs_floor", "http", "floor"],
    ["nostore_vs_floor", "nostore", "floor"],
    ["floorstore_vs_floor", "floorstore", "floor"],
    ["traced_vs_modelbus", "traced", "modelbus"],
    // The store's cost on each door: store on against store off, repeat by repeat.
    ["modelbus_vs_nostore", "modelbus", "nostore"],
    ["http_vs_httpnostore", "http", "httpnostore"],
    ["modelbus_vs_floorstore", "modelbus", "floorstore"],
    ["nostore_vs_floorstore", "nostore", "floorstore"],
  ] as const;
  for (const [name, kind, base] of compared) {
    if ((kind !== "modelbus" && summary[kind] === undefined) || summary[base] === undefined) continue;
    const paired = pairedRatios(runs, kind, options.openRates, base);
    ratios[name] = paired.medians;
    ratiosPerRepeat[name] = paired.perRepeat;
  }
  const failures = [
    ...runs.flatMap((run) => run.failures.map((failure) => `${run.sut} #${run.repeat}: ${failure}`)),
    ...(soak?.failures ?? []).map((failure) => `soak: ${failure}`),
    ...(input.streaming?.runs ?? []).flatMap((run) => run.failures.map((failure) => `stream ${run.sut} #${run.repeat}: ${failure}`)),
  ];
  return {
    date: input.startedAt.toISOString(),
    command: `npm run bench${input.argv.length > 0 ? ` -- ${input.argv.join(" ")}` : ""}`,
    mode: options.quick ? "quick" : "full",
    duration_s: Math.round((Date.now() - input.startedAt.getTime()) / 1_000),
    machine: { ...machineInfo(), loadavg_1m_start: input.loadavgStart },
    options,
    http_door: input.httpStatus ?? { available: false, reason: "not probed" },
    summary,
    ratios,
    ratios_per_repeat: ratiosPerRepeat,
    targets: [
      ...(runs.length > 0 ? targets(ratios.modelbus_vs_floor ?? {}, ratiosPerRepeat.modelbus_vs_floor ?? {}, summary.modelbus, soak) : []),
      ...storeCostTargets(ratios, ratiosPerRepeat, options.openRates, input.micro),
      ...(input.streaming
        ? streamingTargets(input.streaming, Number(input.micro.find((result) => result.name === "store-latency")?.results.claim_p50 ?? Number.NaN))
        : []),
    ],
    soak,
    streaming: input.streaming,
    micro: input.micro,
    correctness: {
      requests:
        runs.reduce((sum, run) => sum + run.sent_total, 0) +
        (soak?.phase.sent ?? 0) +
        (input.streaming?.runs ?? []).reduce((sum, run) => sum + run.phases.reduce((streams, phase) => streams + phase.streams, 0), 0),
      failures,
    },
    runs,
  };
}
