import { describe, expect, it } from "vitest";
import { parseBenchOptions } from "../../bench/bench-options.ts";
import type { SutKind } from "../../bench/children/start-sut.ts";
import type { PhaseResult, StreamPhaseResult, StreamingRun, SutRunResult } from "../../bench/report/result-types.ts";
import { summarize } from "../../bench/report/summarize.ts";

/** A phase with the numbers the summary reads; the rest zero. */
function phase(name: string, throughput: number, p50: number, p99: number): PhaseResult {
  return {
    name,
    kind: name === "closed" ? "closed" : "open",
    sent: 100,
    ok: 100,
    incorrect: 0,
    missing: 0,
    send_errors: 0,
    problems: [],
    throughput_rps: throughput,
    latency_ms: { count: 100, p50, p90: p50, p99, max: p99, mean: p50 },
    send_lag_p99_ms: 0,
    cpu_s: 0,
    cpu_s_per_1k: 1,
    mock_cpu_s: 0,
    loadgen_cpu_s: 0,
    services_cpu_s: 0,
    other_cpu_s: 0,
    duration_s: 1,
    rss_mb_end: 100,
    heap_total_mb_end: 50,
    external_mb_end: 1,
    event_loop_delay_ms: { p50: 1, p99: 2, max: 3 },
  };
}

function run(sut: SutKind, repeat: number, throughput: number, p50At200: number, p99At200: number, peakRss = 150): SutRunResult {
  return {
    sut,
    repeat,
    startup_ms: 100,
    idle_rss_mb: 60,
    phases: [phase("closed", throughput, 50, 90), phase("open_200", 200, p50At200, p99At200), phase("open_1000", 1_000, p50At200, p99At200)],
    peak_rss_mb: peakRss,
    sent_total: 300,
    duplicates: 0,
    unexpected: 0,
    failures: [],
  };
}

const options = parseBenchOptions(["--no-soak", "--no-micro"]);
const base = { options, soak: undefined, micro: [], httpStatus: undefined, startedAt: new Date(), argv: [], loadavgStart: 0 };

describe("bench summary: paired ratios and targets", () => {
  it("pairs each repeat with its own floor run, reports the median and every repeat's value, and judges the targets on the median", () => {
    const summary = summarize({
      ...base,
      runs: [
        run("floor", 1, 1_000, 3.0, 8.0),
        run("modelbus", 1, 900, 3.5, 9.0, 190),
        run("floor", 2, 2_000, 2.0, 6.0),
        run("modelbus", 2, 1_000, 4.0, 20.0, 190),
        run("floor", 3, 1_000, 3.0, 7.0),
        run("modelbus", 3, 700, 3.8, 8.0, 190),
      ],
    });
    expect(summary.ratios.modelbus_vs_floor).toMatchObject({ throughput: 0.7, p50_overhead_ms_at_200: 0.8, p99_overhead_ms_at_200: 1 });
    expect(summary.ratios_per_repeat?.modelbus_vs_floor).toMatchObject({
      throughput: [0.9, 0.5, 0.7],
      p50_overhead_ms_at_200: [0.5, 2, 0.8],
      p99_overhead_ms_at_200: [1, 14, 1],
    });
    const verdict = Object.fromEntries(summary.targets.map((target) => [target.name, target.met]));
    expect(verdict).toEqual({
      "p50 overhead over the floor at 200 req/s": true,
      "p99 overhead over the floor at 200 req/s": true,
      "modelbus peak RSS at full load": true,
    });
    expect(summary.targets[0]?.actual).toBe("0.8 ms (per repeat: 0.5, 2, 0.8)");
  });

  it("judges the bounds inclusively as written, and says no when the median misses however good one repeat was", () => {
    const summary = summarize({
      ...base,
      runs: [run("floor", 1, 1_000, 3, 8), run("modelbus", 1, 800, 3.5, 9, 210), run("floor", 2, 1_000, 3, 8), run("modelbus", 2, 700, 4.7, 13, 205)],
    });
    const verdict = Object.fromEntries(summary.targets.map((target) => [target.name, target.met]));
    expect(verdict).toEqual({
      "p50 overhead over the floor at 200 req/s": false, // median of 0.5 and 1.7: 1.1
      "p99 overhead over the floor at 200 req/s": true, // median of 1 and 5: 3
      "modelbus peak RSS at full load": false, // median of 210 and 205
    });
  });

  it("judges the store's cost on each door against store off, and against the claim + durable commit floor of the same run", () => {
    const micro = [{ name: "store-latency", unit: "ms", results: { claim_p50: 0.2, durable_commit_p50: 0.4 } }];
    const summary = summarize({
      ...base,
      micro,
      runs: [
        run("floor", 1, 2_000, 2, 5),
        run("modelbus", 1, 900, 3.0, 6.0),
        run("nostore", 1, 1_000, 2.2, 5.0),
        run("http", 1, 500, 2.6, 9.0),
        run("httpnostore", 1, 1_000, 2.0, 5.0),
      ],
    });
    const verdict = Object.fromEntries(summary.targets.map((target) => [target.name, target.met]));
    expect(verdict).toMatchObject({
      "JetStream store cost (on − off), p50 at 200 req/s": false, // 0.8 ms
      "JetStream store cost (on − off), p99 at 200 req/s": true, // 1 ms
      "JetStream store cost, p50 at 200 req/s, against claim + durable commit (0.6 ms) + 0.2 ms": true, // 0.8 ≤ 0.8
      "JetStream throughput, store on ÷ store off": true, // 0.9
      "HTTP store cost (on − off), p50 at 200 req/s": false, // 0.6 ms
      "HTTP store cost (on − off), p99 at 200 req/s": false, // 4 ms
      "HTTP throughput, store on ÷ store off": false, // 0.5
    });
    expect(Object.keys(verdict).some((name) => name.includes("at 1000 req/s"))).toBe(false);
    expect(summary.targets.find((target) => target.name === "HTTP throughput, store on ÷ store off")?.actual).toBe("0.5 ×");
  });
});

function streamPhase(name: string, ttftP50: number, gapP99: number, eldP99: number): StreamPhaseResult {
  const latency = (p50: number, p99: number) => ({ count: 10, p50, p90: p50, p99, max: p99, mean: p50 });
  return {
    name,
    door: name.startsWith("http") ? "http" : "jetstream",
    concurrency: name.endsWith("_hold") ? 500 : 20,
    chunks: 100,
    chunk_ms: 5,
    streams: 10,
    ok: 10,
    failed: 0,
    problems: [],
    chunks_received: 1_000,
    ttft_ms: latency(ttftP50, ttftP50 * 2),
    inter_chunk_ms: latency(5, gapP99),
    cpu_s: 0.01,
    cpu_us_per_chunk: 10,
    event_loop_delay_ms: { p50: 1, p99: eldP99, max: eldP99 },
    duration_s: 1,
  };
}

function streamRun(sut: "floor" | "modelbus", repeat: number, ttftP50: number, gapP99: number, eldP99: number): StreamingRun {
  const phases = ["jetstream_latency", "jetstream_hold", "http_latency", "http_hold"].map((name) => streamPhase(name, ttftP50, gapP99, eldP99));
  return { sut, repeat, phases, duplicates: 0, failures: [] };
}

describe("bench summary: streaming", () => {
  it("judges added TTFT and inter-chunk p99 as modelbus − floor repeat by repeat, and modelbus's own event-loop delay while holding", () => {
    const streaming = {
      runs: [
        streamRun("floor", 1, 2.0, 6.0, 3),
        streamRun("modelbus", 1, 2.4, 6.5, 12),
        streamRun("floor", 2, 2.0, 6.0, 3),
        streamRun("modelbus", 2, 3.0, 8.0, 25),
        streamRun("floor", 3, 2.0, 6.0, 3),
        streamRun("modelbus", 3, 2.3, 6.9, 15),
      ],
    };
    const summary = summarize({ ...base, runs: [], streaming });
    const target = (name: string) => summary.targets.find((each) => each.name.startsWith(name));
    expect(target("JetStream streaming: added time to first token")).toMatchObject({
      target: "≤ 0.5 ms",
      actual: "0.4 ms (per repeat: 0.4, 1, 0.3)",
      met: true,
    });
    expect(target("HTTP streaming: added inter-chunk latency")).toMatchObject({ target: "≤ 1 ms", actual: "0.9 ms (per repeat: 0.5, 2, 0.9)", met: true });
    expect(target("JetStream streaming: event-loop delay p99 holding 500 streams")).toMatchObject({ actual: "15 ms (per repeat: 12, 25, 15)", met: true });
    // Without the main comparison, its targets are not judged (they would read "undefined").
    expect(summary.targets.some((each) => each.name.startsWith("p50 overhead over the floor"))).toBe(false);
    expect(summary.correctness.requests).toBe(6 * 4 * 10);
  });
});
