import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { repoRoot } from "../children/spawn-child.ts";
import type { MicroResult } from "../report/result-types.ts";

export const microBenchmarks = [
  "throttle.ts",
  "retry.ts",
  "persistence.ts",
  "persistence-sql.ts",
  "store-latency.ts",
  "history-growth.ts",
  "provider-call.ts",
  "pipeline.ts",
] as const;

/** Runs one micro-benchmark in its own process and reads its BENCH_RESULT line. */
export function runMicro(script: string): Promise<MicroResult> {
  const path = fileURLToPath(new URL(script, import.meta.url));
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ["--import", "tsx", path], { cwd: repoRoot, timeout: 120_000, maxBuffer: 4_000_000 }, (error, stdout, stderr) => {
      const line = stdout.split("\n").find((candidate) => candidate.startsWith("BENCH_RESULT "));
      if (error || !line) {
        reject(new Error(`${script} failed: ${error?.message ?? "no BENCH_RESULT line"}\n${stderr.slice(-2_000)}`));
        return;
      }
      resolve(JSON.parse(line.slice("BENCH_RESULT ".length)) as MicroResult);
    });
  });
}

export async function runMicroBenchmarks(log: (line: string) => void): Promise<MicroResult[]> {
  const results: MicroResult[] = [];
  for (const script of microBenchmarks) {
    log(`micro: ${script}`);
    const result = await runMicro(script);
    log(
      `  ${Object.entries(result.results)
        .map(([name, value]) => `${name} ${value}`)
        .join(", ")} (${result.unit})`,
    );
    results.push(result);
  }
  return results;
}
