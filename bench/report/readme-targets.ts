import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { BenchSummary } from "./summarize.ts";

export const readmeStart = "<!-- bench:targets (written by npm run bench from bench/results/latest.json) -->";
export const readmeEnd = "<!-- /bench:targets -->";

/** The README's performance table: every target of the latest full run, its per-repeat values, met or not. */
export function readmeTargetsBlock(summary: Pick<BenchSummary, "date" | "command" | "machine" | "targets">): string {
  const lines = [
    readmeStart,
    `Latest full run: ${summary.date.slice(0, 16).replace("T", " ")} UTC, \`${summary.command}\`, ${summary.machine.cpus} × ${summary.machine.cpu_model}.`,
    "",
    "| target | goal | measured (median; per repeat) | met |",
    "|---|---|---|---|",
    ...summary.targets.map((target) => `| ${target.name} | ${target.target} | ${target.actual} | ${target.met ? "yes" : "**no**"} |`),
    readmeEnd,
  ];
  return lines.join("\n");
}

/** Replaces the block between the markers in README.md (which must hold them once). */
export function writeReadmeTargets(repoRoot: string, summary: BenchSummary): void {
  const path = join(repoRoot, "README.md");
  const readme = readFileSync(path, "utf8");
  const start = readme.indexOf(readmeStart);
  const end = readme.indexOf(readmeEnd);
  if (start === -1 || end < start) throw new Error(`README.md has no ${readmeStart} … ${readmeEnd} block`);
  writeFileSync(path, readme.slice(0, start) + readmeTargetsBlock(summary) + readme.slice(end + readmeEnd.length));
}
