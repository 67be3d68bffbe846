import type { PhaseRecorder } from "./phase-recorder.ts";

/**
 * A door of a system under test, as the load generator sees it: send request number
 * `sequence` (due at `scheduledAt`, performance.now() clock) and record its outcome in
 * `recorder`. The returned promise settles when the outcome is recorded; it never rejects.
 */
export interface LoadTarget {
  readonly door: "jetstream" | "http";
  send(sequence: number, scheduledAt: number, recorder: PhaseRecorder): Promise<void>;
  /** Responses that arrived for requests already answered (exactly-once violations). */
  readonly duplicates: number;
  /** Responses for request ids this client never sent. */
  readonly unexpected: number;
  close(): Promise<void>;
}
