/**
 * `npm run bench [-- --quick]`: floor vs modelbus (JetStream door, persistence on) vs
 * modelbus's HTTP door, alternating in one run on this machine; then a soak and the
 * micro-benchmarks. Writes bench/results/latest.json and latest.md; exits 1 when any
 * request did not get exactly one correct response. `--profile` instead runs modelbus
 * under load with --cpu-prof (see bench/README.md). Floor and modelbus run compiled: the
 * run starts with `npm run build` and stops if it fails (`--tsx`: their sources under tsx).
 */
import { loadavg } from "node:os";
import { parseBenchOptions } from "./bench-options.ts";
import { buildCompiled } from "./children/build-compiled.ts";
import { BenchChild } from "./children/spawn-child.ts";
import type { SutKind } from "./children/start-sut.ts";
import { runMicroBenchmarks } from "./micro/run-micro.ts";
import { runSoak } from "./phases/soak.ts";
import { runSut, type RunContext } from "./phases/run-sut.ts";
import { runStreaming } from "./phases/streaming.ts";
import { runProfile } from "./profile/run-profile.ts";
import type { SoakResult, SutRunResult } from "./report/result-types.ts";
import { summarize } from "./report/summarize.ts";
import { writeResults } from "./report/write-results.ts";
import { median } from "./stats/percentiles.ts";
import { dropStaleBenchDatabases } from "./support/bench-database.ts";

const log = (line: string) => process.stdout.write(`${line}\n`);

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  const options = parseBenchOptions(argv);
  // Production runs compiled JavaScript (docs/operations.md, "Production build"), so the systems under test do too.
  if (options.compiledChildren) log(`build: npm run build in ${buildCompiled()} ms; floor and modelbus run compiled from dist/`);
  const startedAt = new Date();
  const loadavgStart = Math.round((loadavg()[0] ?? 0) * 100) / 100;
  const dropped = await dropStaleBenchDatabases();
  if (dropped > 0) log(`dropped ${dropped} bench databases left by an earlier run`);
  const { child: mock, info } = await BenchChild.start({ script: "mock-child.ts", options: {} });
  const context: RunContext = { options, mock, mockUrl: String(info.url), otlpUrl: String(info.otlpUrl), log };
  try {
    if (options.profile) {
      await runProfile(context, options.profileSut);
      return 0;
    }
    log(`bench: ${options.quick ? "quick" : "full"} mode, ${options.repeats} repeat(s), mock at ${context.mockUrl}`);
    const runs: SutRunResult[] = [];
    let httpStatus: { available: boolean; reason?: string } | undefined;
    for (let repeat = 1; repeat <= (options.streamingOnly ? 0 : options.repeats); repeat += 1) {
      const order: SutKind[] = [
        "floor",
        "modelbus",
        ...(httpStatus?.available ? (["http"] as const) : []),
        ...(options.withNostore ? (["nostore"] as const) : []),
        ...(options.withNostore && httpStatus?.available ? (["httpnostore"] as const) : []),
        ...(options.withFloorstore ? (["floorstore"] as const) : []),
        ...(options.withTracing ? (["traced"] as const) : []),
      ];
      for (const kind of order) {
        const { result, httpProbe } = await runSut(context, kind, repeat, { probeHttp: kind === "modelbus" && httpStatus === undefined });
        runs.push(result);
        if (httpProbe) {
          httpStatus = httpProbe;
          log(httpProbe.available ? "  HTTP door answers: it joins the alternation" : `  HTTP door: not available (${httpProbe.reason})`);
          if (httpProbe.available) runs.push((await runSut(context, "http", repeat)).result);
          if (httpProbe.available && options.withNostore) runs.push((await runSut(context, "httpnostore", repeat)).result);
        }
      }
    }
    const streaming = options.streaming || options.streamingOnly ? await runStreaming(context) : undefined;
    let soak: SoakResult | undefined;
    if (options.soak && !options.streamingOnly) {
      // A soak shows leaks and drift at a rate the system sustains: at most 60 % of modelbus's measured maximum.
      const measuredMax = median(
        runs.filter((run) => run.sut === "modelbus").map((run) => run.phases.find((phase) => phase.name === "closed")?.throughput_rps ?? Number.NaN),
      );
      const rate = Math.max(10, Math.min(options.soakRate, Math.floor((measuredMax * 0.6) / 10) * 10 || options.soakRate));
      log(`soak: modelbus at ${rate} req/s for ${options.soakMs / 1_000} s`);
      soak = await runSoak(context, rate);
    }
    await mock.stop();
    const micro = options.micro && !options.streamingOnly ? await runMicroBenchmarks(log) : [];
    const summary = summarize({ options, runs, soak, streaming, micro, httpStatus, startedAt, argv, loadavgStart });
    const paths = await writeResults(summary);
    log(`\n${paths.markdown}\n`);
    log(`results: ${paths.jsonPath}, ${paths.markdownPath}`);
    if (summary.correctness.failures.length > 0) {
      log(`FAILED: ${summary.correctness.failures.join("\n  ")}`);
      return 1;
    }
    return 0;
  } finally {
    mock.kill();
  }
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    process.stderr.write(`${error.stack ?? error.message}\n`);
    process.exit(1);
  },
);
