import { summarizeLatencies, type LatencySummary } from "../stats/percentiles.ts";
import { Outstanding } from "./outstanding.ts";

/** Counts and latencies of one load phase; every request ends as ok, incorrect or missing. */
export class PhaseRecorder {
  readonly latencies: number[] = [];
  readonly sendLags: number[] = [];
  readonly problems: string[] = [];
  sent = 0;
  ok = 0;
  incorrect = 0;
  missing = 0;
  sendErrors = 0;
  private readonly outstanding = new Outstanding();
  readonly startedAt = performance.now();
  lastCompletionAt = this.startedAt;

  constructor(readonly name: string) {}

  /** A request left (or is about to leave) at `sentAt`; it was due at `scheduledAt`. */
  begin(scheduledAt: number, sentAt: number): void {
    this.sent += 1;
    this.outstanding.begin();
    this.sendLags.push(sentAt - scheduledAt);
  }

  /** The request's answer arrived (problem undefined = correct) or it was given up (missing). */
  end(outcome: { latencyMs: number; problem?: string | undefined } | "missing" | { sendError: string }): void {
    if (outcome === "missing") {
      this.missing += 1;
    } else if ("sendError" in outcome) {
      this.sendErrors += 1;
      this.note(`send failed: ${outcome.sendError}`);
    } else if (outcome.problem !== undefined) {
      this.incorrect += 1;
      this.note(outcome.problem);
    } else {
      this.ok += 1;
      this.latencies.push(outcome.latencyMs);
      this.lastCompletionAt = performance.now();
    }
    this.outstanding.end();
  }

  private note(problem: string): void {
    if (this.problems.length < 5) this.problems.push(problem);
  }

  /** Resolves when every request begun so far has ended. */
  idle(): Promise<void> {
    return this.outstanding.idle();
  }

  get failed(): number {
    return this.incorrect + this.missing + this.sendErrors;
  }

  latency(): LatencySummary {
    return summarizeLatencies(this.latencies);
  }

  /** Completed requests per second between the phase start and the last completion. */
  throughput(): number {
    const seconds = (this.lastCompletionAt - this.startedAt) / 1_000;
    return seconds > 0 ? this.ok / seconds : 0;
  }
}
