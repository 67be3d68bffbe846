import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "../children/spawn-child.ts";
import type { BenchSummary } from "./summarize.ts";
import { writeReadmeTargets } from "./readme-targets.ts";
import { benchMarkdown } from "./write-markdown.ts";

/**
 * bench/results/latest.json and latest.md (quick runs go to latest-quick.* so they do not replace a
 * full run; `--streaming-only` runs to streaming.* and streaming-quick.*). A full run also
 * rewrites the performance table in README.md.
 */
export async function writeResults(summary: BenchSummary): Promise<{ jsonPath: string; markdownPath: string; markdown: string }> {
  const dir = join(repoRoot, "bench/results");
  mkdirSync(dir, { recursive: true });
  const base = `${summary.options.streamingOnly ? "streaming" : "latest"}${summary.mode === "quick" ? "-quick" : ""}`;
  const jsonPath = join(dir, `${base}.json`);
  const markdownPath = join(dir, `${base}.md`);
  const markdown = benchMarkdown(summary);
  writeFileSync(jsonPath, `${JSON.stringify(summary, null, 2)}\n`);
  writeFileSync(markdownPath, markdown);
  // A full run of the whole bench is what the README's performance table shows.
  if (summary.mode === "full" && !summary.options.streamingOnly) writeReadmeTargets(repoRoot, summary);
  return { jsonPath, markdownPath, markdown };
}
