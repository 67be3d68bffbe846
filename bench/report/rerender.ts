/**
 * Rebuilds bench/results/latest.{json,md} (or latest-quick.* with --quick) from the runs,
 * soak samples and micro results already in the JSON, with the current summary and markdown
 * code: for changing the report without measuring again. `npx tsx bench/report/rerender.ts`
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "../children/spawn-child.ts";
import { soakVerdict } from "../phases/soak.ts";
import { summarize, type BenchSummary } from "./summarize.ts";
import { writeResults } from "./write-results.ts";

const base = process.argv.includes("--quick") ? "latest-quick" : "latest";
const previous = JSON.parse(readFileSync(join(repoRoot, "bench/results", `${base}.json`), "utf8")) as BenchSummary;
const soak = previous.soak ? { ...previous.soak, ...soakVerdict(previous.soak.samples) } : undefined;
const argv = previous.command
  .replace(/^npm run bench( -- )?/, "")
  .split(" ")
  .filter(Boolean);
const summary = summarize({
  options: previous.options,
  runs: previous.runs,
  soak,
  streaming: previous.streaming,
  micro: previous.micro,
  httpStatus: previous.http_door,
  startedAt: new Date(previous.date),
  argv,
  loadavgStart: previous.machine.loadavg_1m_start,
});
const paths = await writeResults({ ...summary, duration_s: previous.duration_s, machine: previous.machine });
process.stdout.write(`${paths.markdownPath}\n`);
