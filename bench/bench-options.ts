/** How long each phase runs and at what load; `--quick` shortens everything. */
export interface BenchOptions {
  readonly quick: boolean;
  /** Alternating floor / modelbus (/ http) runs; medians are over these. */
  readonly repeats: number;
  readonly warmupMs: number;
  readonly closedMs: number;
  readonly openMs: number;
  /** Requests outstanding in the closed loop. */
  readonly outstanding: number;
  /** Deliveries worked on at once by floor and modelbus (nats.concurrency). */
  readonly concurrency: number;
  readonly openRates: readonly number[];
  readonly soakMs: number;
  /** Requests per second during the soak, at most; the soak runs at min(this, 60 % of modelbus's measured maximum). */
  readonly soakRate: number;
  /** Latency the mock adds to every answer ([mock:delay=N]); 0 = answer at once. */
  readonly providerDelayMs: number;
  readonly soak: boolean;
  readonly micro: boolean;
  /** Run modelbus under load with --cpu-prof instead of the comparison. */
  readonly profile: boolean;
  readonly profileMs: number;
  readonly profileSut: "floor" | "modelbus" | "http" | "httpnostore" | "nostore";
  /** Profile at this open-loop rate instead of under the closed loop. */
  readonly profileRate: number | undefined;
  /** `--profile-alloc`: also sample allocations (collected objects included) over the measured window. */
  readonly profileAlloc: boolean;
  /** Also alternate a modelbus run with persistence off (diagnostic). */
  readonly withNostore: boolean;
  /** Adds the "traced" run: modelbus with tracing on, every request sampled (--with-tracing). */
  readonly withTracing: boolean;
  /** Also alternate the floor's loop writing through modelbus's store (diagnostic). */
  readonly withFloorstore: boolean;
  /**
   * Floor and modelbus run compiled (dist/, built at the start) with plain node, as production does;
   * `--tsx` runs their sources under tsx instead. `--profile` keeps tsx: its summary attributes
   * samples to src/*.ts files, and compiled frames would be dist/src/*.js.
   */
  readonly compiledChildren: boolean;
  /** The streaming phase (bench/phases/streaming.ts); `--no-streaming` skips it, `--streaming-only` runs nothing else. */
  readonly streaming: boolean;
  readonly streamingOnly: boolean;
  /** Each stream: this many pieces from the mock, one every streamChunkMs. */
  readonly streamChunks: number;
  readonly streamChunkMs: number;
  /** Streams at once in the latency phase, and how long it runs. */
  readonly streamConcurrency: number;
  readonly streamMs: number;
  /** Streams held at once in the hold phase (event-loop delay, CPU per chunk), their pace, and how long it runs. */
  readonly streamHold: number;
  readonly streamHoldChunkMs: number;
  readonly streamHoldMs: number;
  /** Extra node flags for the modelbus children only (`--modelbus-node-flags "--max-semi-space-size=4"`): for trying V8 settings. */
  readonly modelbusNodeFlags: readonly string[];
}

/** The argument after `name`; undefined when the flag is absent or has nothing after it. */
function stringFlag(argv: readonly string[], name: string): string | undefined {
  const index = argv.indexOf(name);
  return index === -1 ? undefined : argv[index + 1];
}

function numberFlag(argv: readonly string[], name: string): number | undefined {
  if (!argv.includes(name)) return undefined;
  const value = Number(stringFlag(argv, name));
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name} needs a number`);
  return value;
}

export function parseBenchOptions(argv: readonly string[]): BenchOptions {
  const quick = argv.includes("--quick");
  const profile = argv.includes("--profile");
  const seconds = (name: string, full: number, short: number) => (numberFlag(argv, name) ?? (quick ? short : full)) * 1_000;
  return {
    quick,
    repeats: numberFlag(argv, "--repeats") ?? (quick ? 1 : 3),
    warmupMs: seconds("--warmup-seconds", 3, 2),
    closedMs: seconds("--closed-seconds", 10, 4),
    openMs: seconds("--open-seconds", 8, 3),
    outstanding: numberFlag(argv, "--outstanding") ?? 256,
    concurrency: numberFlag(argv, "--concurrency") ?? 256,
    openRates: stringFlag(argv, "--open-rates")
      ?.split(",")
      .map(Number)
      .filter((rate) => rate > 0) ?? [200, 1_000],
    soakMs: seconds("--soak-seconds", 60, 15),
    soakRate: numberFlag(argv, "--soak-rate") ?? 1_000,
    providerDelayMs: numberFlag(argv, "--provider-delay-ms") ?? 0,
    soak: !argv.includes("--no-soak"),
    micro: !argv.includes("--no-micro"),
    profile,
    profileMs: seconds("--profile-seconds", 20, 8),
    profileSut: argv.includes("--profile-floor")
      ? "floor"
      : argv.includes("--profile-http")
        ? argv.includes("--profile-nostore")
          ? "httpnostore"
          : "http"
        : argv.includes("--profile-nostore")
          ? "nostore"
          : "modelbus",
    withNostore: argv.includes("--with-nostore"),
    withTracing: argv.includes("--with-tracing"),
    withFloorstore: argv.includes("--with-floorstore"),
    profileRate: numberFlag(argv, "--profile-rate"),
    profileAlloc: argv.includes("--profile-alloc"),
    compiledChildren: !argv.includes("--tsx") && !profile,
    streaming: !argv.includes("--no-streaming"),
    streamingOnly: argv.includes("--streaming-only"),
    streamChunks: numberFlag(argv, "--stream-chunks") ?? 100,
    streamChunkMs: numberFlag(argv, "--stream-chunk-ms") ?? 5,
    streamConcurrency: numberFlag(argv, "--stream-concurrency") ?? 20,
    streamMs: seconds("--stream-seconds", 8, 3),
    streamHold: numberFlag(argv, "--stream-hold") ?? 500,
    streamHoldChunkMs: numberFlag(argv, "--stream-hold-chunk-ms") ?? 50,
    streamHoldMs: seconds("--stream-hold-seconds", 6, 3),
    modelbusNodeFlags: stringFlag(argv, "--modelbus-node-flags")?.split(/\s+/).filter(Boolean) ?? [],
  };
}
