/** What a benchmark child (system under test or mock) reports about itself over IPC. */
export interface ChildUsage {
  readonly pid: number;
  /** CLOCK_MONOTONIC in microseconds (process.hrtime), the clock of V8's CPU profile timestamps. */
  readonly monotonicUs: number;
  /** process.cpuUsage() user + system since the child started, in microseconds. */
  readonly cpuUserUs: number;
  readonly cpuSystemUs: number;
  /** Current resident set size, bytes. */
  readonly rssBytes: number;
  /** Peak resident set size over the child's life (resourceUsage().maxRSS), bytes. */
  readonly maxRssBytes: number;
  readonly heapUsedBytes: number;
  readonly heapTotalBytes: number;
  /** Memory outside the JS heap owned by JS objects: Buffers, ArrayBuffers, WebAssembly memories. */
  readonly externalBytes: number;
  /** Event-loop delay since the last reset, milliseconds (perf_hooks.monitorEventLoopDelay). */
  readonly eventLoopDelay: { readonly p50: number; readonly p99: number; readonly max: number };
  /** Free-form counters a child wants to expose (e.g. the floor's batch sizes). */
  readonly counters?: Readonly<Record<string, number>>;
}

export type ParentMessage =
  | { readonly type: "usage"; readonly id: number; readonly resetEventLoopDelay?: boolean }
  | { readonly type: "stop"; readonly id: number }
  /** Allocation sampling (V8's sampling heap profiler, collected objects included): start, or stop and write the profile to `file`. */
  | { readonly type: "allocations"; readonly id: number; readonly action: "start" | "stop"; readonly file?: string };

export type ChildMessage =
  | { readonly type: "ready"; readonly info: Readonly<Record<string, unknown>> }
  | { readonly type: "failed"; readonly error: string }
  | { readonly type: "usage"; readonly id: number; readonly usage: ChildUsage }
  | { readonly type: "stopped"; readonly id: number; readonly usage: ChildUsage }
  | { readonly type: "allocations"; readonly id: number; readonly error?: string };

/** Options are handed to a child as JSON in this environment variable. */
export const childOptionsEnv = "BENCH_CHILD_OPTIONS";
