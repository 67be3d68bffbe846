/**
 * Reads a V8 .cpuprofile (node --cpu-prof) and ranks where the time went: self time per
 * function, self time per module (npm package, or file under src/), and inclusive time per
 * src/ file (a sample counts once for every src file on its stack).
 * Usage: tsx bench/profile/summarize-cpu-profile.ts FILE.cpuprofile [--top N] [--window FROM_US TO_US]
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly children?: readonly number[];
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
  readonly startTime: number;
  readonly endTime: number;
}

export interface Ranked {
  readonly name: string;
  readonly ms: number;
  readonly pct: number;
}

export interface ProfileSummary {
  readonly total_ms: number;
  readonly idle_pct: number;
  readonly gc_pct: number;
  readonly by_function: readonly Ranked[];
  readonly by_module: readonly Ranked[];
  readonly inclusive_src_files: readonly Ranked[];
  readonly inclusive_packages: readonly Ranked[];
  readonly inclusive_src_functions: readonly Ranked[];
}

const repo = fileURLToPath(new URL("../..", import.meta.url));

/** `pkg:@prisma/client-runtime-utils`, `src/store/begin-batch.ts`, `node:internal/…`, or the V8 pseudo-frames. */
export function moduleOf(url: string, functionName: string): string {
  if (url === "") return functionName.startsWith("(") ? functionName : "(native)";
  const path = url.replace(/^file:\/\//, "");
  const nodeModules = path.lastIndexOf("/node_modules/");
  if (nodeModules !== -1) {
    const rest = path.slice(nodeModules + "/node_modules/".length).split("/");
    return `pkg:${rest[0]?.startsWith("@") ? `${rest[0]}/${rest[1]}` : rest[0]}`;
  }
  if (path.startsWith(repo)) return path.slice(repo.length);
  if (path.startsWith("node:")) return path.split("/").slice(0, 2).join("/");
  return path;
}

/** A frame as the summaries name it: `function module:line` (line 1-based; no line for V8's pseudo-frames). */
export function frameName(callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number }): string {
  const { functionName, url, lineNumber } = callFrame;
  return `${functionName || "(anonymous)"} ${moduleOf(url, functionName)}${url ? `:${lineNumber + 1}` : ""}`;
}

function rank(map: Map<string, number>, total: number, top: number): Ranked[] {
  return [...map.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, us]) => ({ name, ms: Math.round(us / 100) / 10, pct: Math.round((us / total) * 1_000) / 10 }));
}

/** Only samples taken between `fromUs` and `toUs` (the profile's own clock, CLOCK_MONOTONIC µs). */
export interface SampleWindow {
  readonly fromUs: number;
  readonly toUs: number;
}

export function summarizeCpuProfile(profile: CpuProfile, top = 30, window?: SampleWindow): ProfileSummary {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const selfUs = new Map<number, number>();
  let at = profile.startTime;
  profile.samples.forEach((id, index) => {
    const delta = profile.timeDeltas[index] ?? 0;
    at += delta;
    if (window && (at < window.fromUs || at > window.toUs)) return;
    selfUs.set(id, (selfUs.get(id) ?? 0) + delta);
  });

  const byFunction = new Map<string, number>();
  const byModule = new Map<string, number>();
  const srcInclusive = new Map<string, number>();
  const packageInclusive = new Map<string, number>();
  const srcFunctionInclusive = new Map<string, number>();
  let total = 0;
  let idle = 0;
  let gc = 0;
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    if (!node) continue;
    total += us;
    const { functionName, url } = node.callFrame;
    if (functionName === "(idle)") idle += us;
    if (functionName === "(garbage collector)") gc += us;
    const module = moduleOf(url, functionName);
    const fn = frameName(node.callFrame);
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + us);
    byModule.set(module, (byModule.get(module) ?? 0) + us);
    const seen = new Set<string>();
    for (let cursor: number | undefined = id; cursor !== undefined; cursor = parent.get(cursor)) {
      const frame = byId.get(cursor)?.callFrame;
      if (!frame) continue;
      const owner = moduleOf(frame.url, frame.functionName);
      if (owner.startsWith("src/")) {
        const key = frameName(frame);
        if (!seen.has(key)) {
          seen.add(key);
          srcFunctionInclusive.set(key, (srcFunctionInclusive.get(key) ?? 0) + us);
        }
      }
      if (seen.has(owner)) continue;
      seen.add(owner);
      if (owner.startsWith("src/")) srcInclusive.set(owner, (srcInclusive.get(owner) ?? 0) + us);
      if (owner.startsWith("pkg:")) packageInclusive.set(owner, (packageInclusive.get(owner) ?? 0) + us);
    }
  }
  return {
    total_ms: Math.round(total / 1_000),
    idle_pct: Math.round((idle / total) * 1_000) / 10,
    gc_pct: Math.round((gc / total) * 1_000) / 10,
    by_function: rank(byFunction, total, top),
    by_module: rank(byModule, total, top),
    inclusive_src_files: rank(srcInclusive, total, top),
    inclusive_packages: rank(packageInclusive, total, top),
    inclusive_src_functions: rank(srcFunctionInclusive, total, top),
  };
}

export function summarizeCpuProfileFile(path: string, top = 30, window?: SampleWindow): ProfileSummary {
  return summarizeCpuProfile(JSON.parse(readFileSync(path, "utf8")) as CpuProfile, top, window);
}

function table(title: string, rows: readonly Ranked[]): string {
  return [`## ${title}`, "", "| ms | % of samples | where |", "|---:|---:|---|", ...rows.map((row) => `| ${row.ms} | ${row.pct} | \`${row.name}\` |`), ""].join(
    "\n",
  );
}

export function profileMarkdown(summary: ProfileSummary): string {
  return [
    `Total sampled ${summary.total_ms} ms; idle ${summary.idle_pct} %; garbage collector ${summary.gc_pct} %.`,
    "",
    table("Self time by function", summary.by_function),
    table("Self time by module", summary.by_module),
    table("Inclusive time by src/ file", summary.inclusive_src_files),
    table("Inclusive time by package", summary.inclusive_packages),
    table("Inclusive time by src/ function", summary.inclusive_src_functions),
  ].join("\n");
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const file = process.argv[2];
  if (!file) throw new Error("usage: summarize-cpu-profile.ts FILE.cpuprofile [--top N]");
  const topIndex = process.argv.indexOf("--top");
  const windowIndex = process.argv.indexOf("--window");
  const window = windowIndex === -1 ? undefined : { fromUs: Number(process.argv[windowIndex + 1]), toUs: Number(process.argv[windowIndex + 2]) };
  process.stdout.write(profileMarkdown(summarizeCpuProfileFile(file, topIndex === -1 ? 30 : Number(process.argv[topIndex + 1]), window)));
}
