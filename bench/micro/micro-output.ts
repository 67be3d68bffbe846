import type { MicroResult } from "../report/result-types.ts";
import { median } from "../stats/percentiles.ts";

/** Micro-benchmarks print their result as one `BENCH_RESULT {json}` line (read by run-micro.ts). */
export function printMicroResult(result: MicroResult): void {
  for (const [name, value] of Object.entries(result.results)) process.stderr.write(`  ${result.name}.${name}: ${value}\n`);
  process.stdout.write(`BENCH_RESULT ${JSON.stringify(result)}\n`);
}

/** Runs `round` `rounds` times (each returns a rate) and keeps the median. */
export async function medianOf(rounds: number, round: () => Promise<number>): Promise<number> {
  const rates: number[] = [];
  for (let index = 0; index < rounds; index += 1) rates.push(await round());
  return Math.round(median(rates));
}
