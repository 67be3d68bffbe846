import type { SutKind } from "../children/start-sut.ts";
import type { LatencySummary } from "../stats/percentiles.ts";

export interface PhaseResult {
  readonly name: string;
  readonly kind: "closed" | "open";
  readonly target_rate_rps?: number;
  readonly sent: number;
  readonly ok: number;
  readonly incorrect: number;
  readonly missing: number;
  readonly send_errors: number;
  readonly problems: readonly string[];
  readonly throughput_rps: number;
  readonly latency_ms: LatencySummary;
  /** How late the load generator sent (actual - scheduled), p99 ms: its own contribution. */
  readonly send_lag_p99_ms: number;
  /** CPU seconds used by the system under test during the phase. */
  readonly cpu_s: number;
  readonly cpu_s_per_1k: number;
  /** CPU seconds of the mock endpoint and of the load generator during the phase. */
  readonly mock_cpu_s: number;
  readonly loadgen_cpu_s: number;
  /** CPU seconds of nats-server and mariadbd during the phase. */
  readonly services_cpu_s: number;
  /** Of which mariadbd (absent in results from before 2026-11-21 08:40 UTC). */
  readonly database_cpu_s?: number;
  /** CPU seconds of every other process on the machine during the phase (noise). */
  readonly other_cpu_s: number;
  readonly duration_s: number;
  readonly rss_mb_end: number;
  readonly heap_total_mb_end: number;
  readonly external_mb_end: number;
  readonly event_loop_delay_ms: { readonly p50: number; readonly p99: number; readonly max: number };
  /** What the system under test counted during the phase (modelbus: store begin/complete timings). */
  readonly sut_counters?: Readonly<Record<string, number>>;
}

export interface SutRunResult {
  readonly sut: SutKind;
  readonly repeat: number;
  readonly startup_ms: number;
  /** RSS right after start, before any request (Node + tsx loader + loaded modules). */
  readonly idle_rss_mb: number;
  readonly phases: readonly PhaseResult[];
  readonly peak_rss_mb: number;
  readonly sent_total: number;
  readonly duplicates: number;
  readonly unexpected: number;
  /** Responses the stream holds for this run (JetStream door); must equal sent_total. */
  readonly stored_responses?: number;
  /** Rows persisted (floor_responses, or modelbus's completed inferences). */
  readonly stored_rows?: number;
  readonly failures: readonly string[];
  readonly counters?: Readonly<Record<string, number>>;
}

export interface SoakSample {
  readonly t_s: number;
  readonly rss_mb: number;
  readonly heap_mb: number;
  readonly heap_total_mb: number;
  readonly external_mb: number;
  readonly eld_p50_ms: number;
  readonly eld_p99_ms: number;
  readonly eld_max_ms: number;
  /** Cores busy on the whole machine during the window (all processes, ours included). */
  readonly machine_busy_cores?: number;
}

export interface SoakResult {
  readonly sut: SutKind;
  readonly rate_rps: number;
  readonly duration_s: number;
  readonly samples: readonly SoakSample[];
  readonly rss_growth_mb: number;
  readonly rss_growth_pct: number;
  readonly eld_p99_first_ms: number;
  readonly eld_p99_last_ms: number;
  /** Median cores busy on the machine in the first and last quarter: a rising loop delay with a busier machine is noise. */
  readonly machine_busy_cores_first: number;
  readonly machine_busy_cores_last: number;
  readonly rss_flat: boolean;
  readonly eld_flat: boolean;
  readonly flat: boolean;
  readonly phase: PhaseResult;
  readonly failures: readonly string[];
}

export interface MicroResult {
  readonly name: string;
  readonly unit: string;
  readonly results: Readonly<Record<string, number>>;
  readonly notes?: string;
}

/** One phase of the streaming bench on one door (bench/phases/streaming.ts). */
export interface StreamPhaseResult {
  readonly name: string;
  readonly door: "jetstream" | "http";
  /** Streams at once, and the shape of each: pieces from the mock, one every chunk_ms. */
  readonly concurrency: number;
  readonly chunks: number;
  readonly chunk_ms: number;
  readonly streams: number;
  readonly ok: number;
  readonly failed: number;
  readonly problems: readonly string[];
  /** Content deltas the client received. */
  readonly chunks_received: number;
  /** Request sent → first content delta, at the client. */
  readonly ttft_ms: LatencySummary;
  /** Gaps between consecutive content deltas of a stream, at the client. */
  readonly inter_chunk_ms: LatencySummary;
  /** CPU of the system under test during the phase, and per delta received. */
  readonly cpu_s: number;
  readonly cpu_us_per_chunk: number;
  readonly event_loop_delay_ms: { readonly p50: number; readonly p99: number; readonly max: number };
  readonly duration_s: number;
  /** The system under test's own counters over the phase (modelbus: its store calls' timings and batches). */
  readonly sut_counters?: Readonly<Record<string, number>>;
}

export interface StreamingRun {
  readonly sut: "floor" | "modelbus" | "nostore";
  readonly repeat: number;
  readonly phases: readonly StreamPhaseResult[];
  readonly duplicates: number;
  readonly failures: readonly string[];
}

export interface StreamingResult {
  readonly runs: readonly StreamingRun[];
}
