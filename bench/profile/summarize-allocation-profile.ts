/**
 * Reads a V8 sampling heap profile (.heapprofile, collected objects included: see the bench
 * child's allocation sampling) and ranks where the garbage is made: bytes allocated per
 * function (self), per module, and inclusive per src/ function. Inlined callees count as
 * their caller (TurboFan inlines small functions), so read functions as neighbourhoods.
 * Usage: tsx bench/profile/summarize-allocation-profile.ts FILE.heapprofile [--requests N] [--top N]
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { frameName, moduleOf } from "./summarize-cpu-profile.ts";

interface AllocationNode {
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly selfSize: number;
  readonly children: readonly AllocationNode[];
}

export interface RankedBytes {
  readonly name: string;
  readonly mb: number;
  readonly pct: number;
}

export interface AllocationSummary {
  readonly total_mb: number;
  readonly kb_per_request: number | undefined;
  readonly by_function: readonly RankedBytes[];
  readonly by_module: readonly RankedBytes[];
  readonly inclusive_src_functions: readonly RankedBytes[];
}

function rank(map: Map<string, number>, total: number, top: number): RankedBytes[] {
  return [...map.entries()]
    .filter(([, bytes]) => bytes > 0)
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, bytes]) => ({ name, mb: Math.round((bytes / 1_048_576) * 10) / 10, pct: Math.round((bytes / total) * 1_000) / 10 }));
}

export function summarizeAllocationProfile(head: AllocationNode, top = 30, requests?: number): AllocationSummary {
  const byFunction = new Map<string, number>();
  const byModule = new Map<string, number>();
  const srcInclusive = new Map<string, number>();
  let total = 0;
  const add = (map: Map<string, number>, key: string, bytes: number) => map.set(key, (map.get(key) ?? 0) + bytes);
  // Returns the subtree's bytes; a src/ function counts once per stack however often it recurs.
  const walk = (node: AllocationNode, onStack: ReadonlySet<string>): number => {
    const module = moduleOf(node.callFrame.url, node.callFrame.functionName);
    const name = frameName(node.callFrame);
    total += node.selfSize;
    add(byFunction, name, node.selfSize);
    add(byModule, module, node.selfSize);
    const isSrc = module.startsWith("src/") && !onStack.has(name);
    const below = isSrc ? new Set([...onStack, name]) : onStack;
    let subtree = node.selfSize;
    for (const child of node.children) subtree += walk(child, below);
    if (isSrc) add(srcInclusive, name, subtree);
    return subtree;
  };
  walk(head, new Set());
  return {
    total_mb: Math.round(total / 1_048_576),
    kb_per_request: requests ? Math.round((total / 1_024 / requests) * 10) / 10 : undefined,
    by_function: rank(byFunction, total, top),
    by_module: rank(byModule, total, top),
    inclusive_src_functions: rank(srcInclusive, total, top),
  };
}

export function summarizeAllocationProfileFile(path: string, top = 30, requests?: number): AllocationSummary {
  return summarizeAllocationProfile((JSON.parse(readFileSync(path, "utf8")) as { head: AllocationNode }).head, top, requests);
}

function table(title: string, rows: readonly RankedBytes[]): string {
  return [`## ${title}`, "", "| MB | % of bytes | where |", "|---:|---:|---|", ...rows.map((row) => `| ${row.mb} | ${row.pct} | \`${row.name}\` |`), ""].join(
    "\n",
  );
}

export function allocationMarkdown(summary: AllocationSummary): string {
  return [
    `Sampled allocations: ${summary.total_mb} MB${summary.kb_per_request === undefined ? "" : `, ${summary.kb_per_request} KB per request`}.`,
    "",
    table("Bytes allocated by function (self)", summary.by_function),
    table("Bytes allocated by module (self)", summary.by_module),
    table("Bytes allocated under each src/ function (inclusive, synchronous stacks only)", summary.inclusive_src_functions),
  ].join("\n");
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const file = process.argv[2];
  if (!file) throw new Error("usage: summarize-allocation-profile.ts FILE.heapprofile [--requests N] [--top N]");
  const flag = (name: string) => (process.argv.includes(name) ? Number(process.argv[process.argv.indexOf(name) + 1]) : undefined);
  process.stdout.write(allocationMarkdown(summarizeAllocationProfileFile(file, flag("--top") ?? 30, flag("--requests"))));
}
