/**
 * The streaming phase: the mock generates each answer as `streamChunks` pieces, one every
 * `streamChunkMs`; the floor relays them with no logic (core NATS chunks from its JetStream loop,
 * SSE piped byte for byte by its HTTP relay) and modelbus streams them through both doors with
 * persistence on, as it runs in production (and, with --with-nostore, with it off). The systems
 * alternate, repeat by repeat.
 *
 * Per door and system: a latency phase (`streamConcurrency` streams at a time: time to first
 * token, inter-chunk gaps at the client) and a hold phase (`streamHold` streams at a time, their
 * starts spread over one stream's length: the system's event-loop delay and CPU per chunk).
 */
import { benchApiKey, startSut } from "../children/start-sut.ts";
import type { BenchChild } from "../children/spawn-child.ts";
import { benchNames, natsUrl } from "../load/bench-names.ts";
import { HttpStreamTarget, NatsStreamTarget, streamLoop, type StreamRecorder, type StreamShape, type StreamTarget } from "../load/stream-targets.ts";
import type { StreamPhaseResult, StreamingResult, StreamingRun } from "../report/result-types.ts";
import { round3 } from "../stats/percentiles.ts";
import { countInDatabase, createBenchDatabase } from "../support/bench-database.ts";
import type { RunContext } from "./run-sut.ts";

/** "nostore" (with --with-nostore): modelbus with persistence off, to split the store's share of the added time. */
export type StreamingSut = "floor" | "modelbus" | "nostore";

async function measuredStreams(
  child: BenchChild,
  run: () => Promise<StreamRecorder>,
  door: "jetstream" | "http",
  shape: StreamShape,
  concurrency: number,
): Promise<StreamPhaseResult> {
  const before = await child.usage(true);
  const startedAt = performance.now();
  const recorder = await run();
  const durationS = (performance.now() - startedAt) / 1_000;
  const after = await child.usage(true);
  const cpuUs = after.cpuUserUs + after.cpuSystemUs - (before.cpuUserUs + before.cpuSystemUs);
  return {
    name: recorder.name,
    door,
    concurrency,
    chunks: shape.chunks,
    chunk_ms: shape.chunkMs,
    streams: recorder.sent,
    ok: recorder.ok,
    failed: recorder.failed,
    problems: recorder.problems,
    chunks_received: recorder.chunks,
    ttft_ms: recorder.ttft(),
    inter_chunk_ms: recorder.interChunk(),
    cpu_s: round3(cpuUs / 1e6),
    cpu_us_per_chunk: round3(recorder.chunks > 0 ? cpuUs / recorder.chunks : Number.NaN),
    event_loop_delay_ms: after.eventLoopDelay,
    duration_s: round3(durationS),
    ...(after.counters ? { sut_counters: after.counters } : {}),
  };
}

async function runDoor(
  child: BenchChild,
  target: StreamTarget,
  context: RunContext,
  nextSequence: () => number,
): Promise<{ phases: StreamPhaseResult[]; sent: number }> {
  const { options } = context;
  const shape = { chunks: options.streamChunks, chunkMs: options.streamChunkMs };
  const held = { chunks: options.streamChunks, chunkMs: options.streamHoldChunkMs };
  const warmup = await streamLoop(target, shape, { name: "warmup", concurrency: options.streamConcurrency, durationMs: 1_000, nextSequence });
  if (warmup.failed > 0) throw new Error(`${target.door} streaming warm-up: ${warmup.failed} of ${warmup.sent} streams failed (${warmup.problems.join("; ")})`);
  const latency = await measuredStreams(
    child,
    () => streamLoop(target, shape, { name: `${target.door}_latency`, concurrency: options.streamConcurrency, durationMs: options.streamMs, nextSequence }),
    target.door,
    shape,
    options.streamConcurrency,
  );
  const hold = await measuredStreams(
    child,
    () =>
      streamLoop(target, held, {
        name: `${target.door}_hold`,
        concurrency: options.streamHold,
        durationMs: options.streamHoldMs,
        staggerMs: held.chunks * held.chunkMs,
        nextSequence,
      }),
    target.door,
    held,
    options.streamHold,
  );
  return { phases: [latency, hold], sent: warmup.sent + latency.streams + hold.streams };
}

/** One system's streaming run in a fresh child: both doors, latency then hold; every stream checked. */
export async function runStreamingSut(context: RunContext, sut: StreamingSut, repeat: number): Promise<StreamingRun> {
  const { options, log } = context;
  const names = benchNames(`stream${sut}`);
  const database = await createBenchDatabase(names.database);
  // Enough deliveries at once for every held stream (nats.concurrency, and max_ack_pending 1,000).
  const concurrency = Math.max(options.concurrency, options.streamHold + 10);
  const { child, info } = await startSut(sut, names, database.url, context.mockUrl, { ...options, concurrency, streamingFloor: true }).catch(
    async (error: unknown) => {
      await database.drop();
      throw error;
    },
  );
  const nats = await NatsStreamTarget.connect({ natsUrl, prefix: names.prefix, runTag: `stream${sut}${repeat}-${names.id}` });
  const http = new HttpStreamTarget(String(info.httpUrl), benchApiKey, options.streamHold + 10);
  let sequence = 0;
  const nextSequence = () => ++sequence;
  try {
    const phases: StreamPhaseResult[] = [];
    let sent = 0;
    for (const target of [nats, http]) {
      const door = await runDoor(child, target, context, nextSequence);
      sent += door.sent;
      for (const phase of door.phases) {
        phases.push(phase);
        log(
          `  stream ${sut} #${repeat} ${phase.name}: ${phase.ok}/${phase.streams} streams, TTFT p50 ${phase.ttft_ms.p50} ms, ` +
            `inter-chunk p50 ${phase.inter_chunk_ms.p50} p99 ${phase.inter_chunk_ms.p99} ms, ${phase.cpu_us_per_chunk} µs CPU/chunk, ELD p99 ${phase.event_loop_delay_ms.p99} ms` +
            (phase.sut_counters?.store_begin_count ? `, store.begin p50 ${phase.sut_counters.store_begin_p50_ms} ms` : ""),
        );
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 300)); // late duplicates would arrive now
    const failures = phases
      .filter((phase) => phase.failed > 0)
      .map((phase) => `${phase.name}: ${phase.failed} of ${phase.streams} streams failed (${phase.problems.join("; ")})`);
    if (nats.duplicates > 0) failures.push(`${nats.duplicates} duplicate answers`);
    if (sut === "modelbus") {
      const stored = await countInDatabase(names.database, "SELECT COUNT(*) FROM inferences WHERE completed_at IS NOT NULL");
      if (stored !== sent) failures.push(`${stored} stored inferences for ${sent} streams`);
    }
    await child.stop();
    if (failures.length > 0) log(`  stream ${sut} #${repeat}: FAILED: ${failures.join(" | ")}\n${child.logs.slice(-2_000)}`);
    return { sut, repeat, phases, duplicates: nats.duplicates, failures };
  } finally {
    child.kill();
    await http.close();
    await nats.close();
    await database.drop();
  }
}

/** Floor and modelbus alternating, `options.repeats` times. */
export async function runStreaming(context: RunContext): Promise<StreamingResult> {
  const { options, log } = context;
  log(
    `streaming: ${options.streamChunks} chunks every ${options.streamChunkMs} ms, ${options.streamConcurrency} streams at once; ` +
      `hold ${options.streamHold} streams (a chunk every ${options.streamHoldChunkMs} ms)`,
  );
  const runs: StreamingRun[] = [];
  for (let repeat = 1; repeat <= options.repeats; repeat += 1) {
    for (const sut of ["floor", "modelbus", ...(options.withNostore ? (["nostore"] as const) : [])] as const)
      runs.push(await runStreamingSut(context, sut, repeat));
  }
  return { runs };
}
