import type { LoadTarget } from "./load-target.ts";
import { PhaseRecorder } from "./phase-recorder.ts";

/**
 * Closed loop: `outstanding` workers, each sending its next request as soon as the previous
 * one is answered, for `durationMs`. Its throughput is the system's maximum sustained rate.
 */
export async function closedLoop(
  target: LoadTarget,
  options: { name: string; outstanding: number; durationMs: number; nextSequence: () => number },
): Promise<PhaseRecorder> {
  const recorder = new PhaseRecorder(options.name);
  const endAt = recorder.startedAt + options.durationMs;
  const worker = async () => {
    while (performance.now() < endAt) await target.send(options.nextSequence(), performance.now(), recorder);
  };
  await Promise.all(Array.from({ length: options.outstanding }, worker));
  await recorder.idle();
  return recorder;
}

/** Closed loop over a fixed number of requests (the smoke test): `outstanding` at a time until `count` were sent. */
export async function closedLoopCount(
  target: LoadTarget,
  options: { name: string; outstanding: number; count: number; nextSequence: () => number },
): Promise<PhaseRecorder> {
  const recorder = new PhaseRecorder(options.name);
  let left = options.count;
  const worker = async () => {
    while (left > 0) {
      left -= 1;
      await target.send(options.nextSequence(), performance.now(), recorder);
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.outstanding, options.count) }, worker));
  await recorder.idle();
  return recorder;
}
