import { mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "../children/spawn-child.ts";
import { benchApiKey, httpKinds, startSut, type SutKind } from "../children/start-sut.ts";
import { HttpTarget } from "../load/http-target.ts";
import type { LoadTarget } from "../load/load-target.ts";
import { benchNames, natsUrl } from "../load/bench-names.ts";
import { closedLoop } from "../load/closed-loop.ts";
import { openLoop } from "../load/open-loop.ts";
import { NatsTarget } from "../load/nats-target.ts";
import type { RunContext } from "../phases/run-sut.ts";
import { createBenchDatabase } from "../support/bench-database.ts";
import { allocationMarkdown, summarizeAllocationProfileFile } from "./summarize-allocation-profile.ts";
import { profileMarkdown, summarizeCpuProfileFile, type SampleWindow } from "./summarize-cpu-profile.ts";

/**
 * `npm run bench -- --profile [--profile-floor] [--profile-seconds N]`: the system under test (modelbus by
 * default) runs with --cpu-prof under the closed loop for --profile-seconds; the profile
 * and its summary land in bench/results/profiles/. `--profile-alloc` also samples allocations
 * over the same window (<kind>-<mode>-alloc-summary.md; the sampler's own cost is then in the
 * CPU numbers too).
 */
export async function runProfile(context: RunContext, kind: SutKind = "modelbus"): Promise<string> {
  const { options, log } = context;
  const dir = join(repoRoot, "bench/results/profiles");
  // --cpu-prof writes one file per thread (tsx's loader runs in a worker): each run gets its own folder.
  const suffix = options.profileRate === undefined ? "closed" : `open-${options.profileRate}`;
  const runDir = join(dir, `${kind}-${suffix}`);
  rmSync(runDir, { recursive: true, force: true });
  mkdirSync(runDir, { recursive: true });
  const names = benchNames(kind);
  const database = await createBenchDatabase(names.database);
  const flags = ["--cpu-prof", `--cpu-prof-dir=${runDir}`, "--cpu-prof-interval=200"];
  const { child, info } = await startSut(kind, names, database.url, context.mockUrl, options, flags);
  const nats = await NatsTarget.connect({ natsUrl, prefix: names.prefix, runTag: `profile-${names.id}`, providerDelayMs: options.providerDelayMs });
  // "http" (--profile-http) is modelbus driven through its HTTP door.
  const target: LoadTarget = httpKinds.has(kind) ? new HttpTarget(String(info.httpUrl), benchApiKey, options.providerDelayMs, options.outstanding) : nats;
  let sequence = 0;
  let window: SampleWindow | undefined;
  let header: string;
  let requests: number;
  const load = options.profileRate === undefined ? `a closed loop of ${options.outstanding}` : `an open loop at ${options.profileRate} req/s`;
  const allocationFile = join(runDir, `${kind}.heapprofile`);
  try {
    log(`profile: ${kind} under ${load} for ${options.profileMs / 1_000} s (plus warm-up)`);
    await closedLoop(target, { name: "warmup", outstanding: options.outstanding, durationMs: options.warmupMs, nextSequence: () => ++sequence });
    if (options.profileAlloc) await child.allocations("start");
    const before = await child.usage(true);
    const recorder =
      options.profileRate === undefined
        ? await closedLoop(target, { name: "profile", outstanding: options.outstanding, durationMs: options.profileMs, nextSequence: () => ++sequence })
        : await openLoop(target, { name: "profile", ratePerSecond: options.profileRate, durationMs: options.profileMs, nextSequence: () => ++sequence });
    const latency = recorder.latency();
    const after = await child.usage(true);
    if (options.profileAlloc) await child.allocations("stop", allocationFile);
    requests = recorder.ok;
    window = { fromUs: before.monotonicUs, toUs: after.monotonicUs };
    const cpuMsPerRequest = (after.cpuUserUs + after.cpuSystemUs - before.cpuUserUs - before.cpuSystemUs) / 1_000 / recorder.ok;
    header =
      `${recorder.ok} requests at ${recorder.throughput().toFixed(0)} req/s under the profiler (${recorder.failed} failed), ` +
      `${cpuMsPerRequest.toFixed(2)} ms CPU per request (whole process, all threads); latency p50 ${latency.p50} ms, p99 ${latency.p99} ms; ` +
      `event-loop delay p50 ${after.eventLoopDelay.p50} ms, p99 ${after.eventLoopDelay.p99} ms, max ${after.eventLoopDelay.max} ms` +
      (after.counters
        ? `; ${Object.entries(after.counters)
            .map(([name, value]) => `${name} ${value}`)
            .join(", ")}`
        : "");
    log(`profile: ${header}`);
    if (recorder.failed > 0) log(`profile: child output:\n${child.logs.slice(-3_000)}`);
    await child.stop();
  } finally {
    child.kill();
    await nats.deleteStream(names.stream);
    await nats.close();
    await database.drop();
  }
  // The main thread's profile is the biggest one (the loader worker idles after start-up).
  const file = readdirSync(runDir)
    .filter((name) => name.endsWith(".cpuprofile"))
    .map((name) => join(runDir, name))
    .sort((a, b) => statSync(b).size - statSync(a).size)[0];
  if (!file) throw new Error(`no .cpuprofile written in ${runDir}`);
  const markdown = [
    `# CPU profile of ${kind} under ${load}`,
    "",
    `File: ${file.slice(repoRoot.length)} (main thread), samples of the measured window only (warm-up and start-up excluded).`,
    header,
    "",
    profileMarkdown(summarizeCpuProfileFile(file, 40, window)),
  ].join("\n");
  writeFileSync(join(dir, `${kind}-${suffix}-summary.md`), markdown);
  log(markdown);
  if (options.profileAlloc) {
    const allocations = [
      `# Allocations of ${kind} under ${load}`,
      "",
      `File: ${allocationFile.slice(repoRoot.length)}, the measured window of the CPU profile beside it (${requests} requests).`,
      "",
      allocationMarkdown(summarizeAllocationProfileFile(allocationFile, 40, requests)),
    ].join("\n");
    writeFileSync(join(dir, `${kind}-${suffix}-alloc-summary.md`), allocations);
    log(allocations);
  }
  return file;
}
