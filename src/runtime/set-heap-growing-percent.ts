import { setFlagsFromString } from "node:v8";

/**
 * How far V8 lets the old generation grow past what a full GC found alive before it collects
 * again: a limit of live × (1 + percent / 100). Left to itself V8 picks the factor from GC and
 * allocation speed, up to 4 × under a steady request load, so RSS tracked the allocation rate
 * rather than what is alive (benchmark closed loop: 257–266 MB peak, 170–178 MB at 50 %, CPU
 * within the noise; bench/results/history.md, heap-growing-ab). Unlike `--max-old-space-size` this is
 * no cap: the heap still grows as far as live data needs.
 * 0 (V8's own default for the flag) gives V8 its heuristic back. V8 reads the flag at every
 * GC, so setting it after start works; it is process-wide.
 */
export function setHeapGrowingPercent(percent: number): void {
  setFlagsFromString(`--heap-growing-percent=${percent}`);
}
