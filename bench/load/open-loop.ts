import type { LoadTarget } from "./load-target.ts";
import { PhaseRecorder } from "./phase-recorder.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Open loop at a fixed rate: request i is due at start + i / rate and its latency is
 * measured from that due time, not from when it actually left, so a stalled system (or a
 * stalled load generator) is charged for the wait (no coordinated omission).
 */
export async function openLoop(
  target: LoadTarget,
  options: { name: string; ratePerSecond: number; durationMs: number; nextSequence: () => number },
): Promise<PhaseRecorder> {
  const recorder = new PhaseRecorder(options.name);
  const total = Math.max(1, Math.round((options.ratePerSecond * options.durationMs) / 1_000));
  const intervalMs = 1_000 / options.ratePerSecond;
  const startAt = performance.now() + 2;
  let index = 0;
  while (index < total) {
    const now = performance.now();
    while (index < total && startAt + index * intervalMs <= now) {
      void target.send(options.nextSequence(), startAt + index * intervalMs, recorder);
      index += 1;
    }
    if (index < total) await sleep(Math.max(0, startAt + index * intervalMs - performance.now()));
  }
  await recorder.idle();
  return recorder;
}
