import { writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { childOptionsEnv, type ChildMessage, type ChildUsage, type ParentMessage } from "./child-protocol.ts";

/** The options the parent passed (JSON in BENCH_CHILD_OPTIONS). */
export function readChildOptions<T>(): T {
  const raw = process.env[childOptionsEnv];
  if (!raw) throw new Error(`${childOptionsEnv} is not set: this file is started by the bench harness`);
  return JSON.parse(raw) as T;
}

function send(message: ChildMessage): void {
  process.send?.(message);
}

let inspector: Session | undefined;

/**
 * Samples every allocation's stack, about one per 16 KB allocated, keeping the samples of
 * objects the GC has since collected (V8 drops them by default, which shows what is alive,
 * not what makes garbage). On stop the profile (.heapprofile, Chrome DevTools format) is written to `file`.
 */
async function allocations(action: "start" | "stop", file: string | undefined): Promise<void> {
  if (action === "start") {
    inspector = new Session();
    inspector.connect();
    const sampling = { samplingInterval: 16_384, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true };
    await inspector.post("HeapProfiler.startSampling", sampling as never);
    return;
  }
  if (!inspector || !file) throw new Error("allocation sampling was not started, or no file was given");
  const { profile } = (await inspector.post("HeapProfiler.stopSampling")) as { profile: unknown };
  inspector.disconnect();
  inspector = undefined;
  writeFileSync(file, JSON.stringify(profile));
}

/**
 * The child's half of the protocol: answers usage requests (CPU, RSS, event-loop delay),
 * and on "stop" runs `stop`, reports final usage and exits (so --cpu-prof is written).
 */
export function serveChild(
  start: () => Promise<{ info: Record<string, unknown>; stop: () => Promise<unknown>; counters?: (reset: boolean) => Record<string, number> }>,
): void {
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  const usage = (counters?: (reset: boolean) => Record<string, number>, reset = false): ChildUsage => {
    const cpu = process.cpuUsage();
    const memory = process.memoryUsage();
    const ms = (ns: number) => Math.round((ns / 1e6) * 1_000) / 1_000;
    return {
      pid: process.pid,
      monotonicUs: Number(process.hrtime.bigint() / 1_000n),
      cpuUserUs: cpu.user,
      cpuSystemUs: cpu.system,
      rssBytes: memory.rss,
      maxRssBytes: process.resourceUsage().maxRSS * 1_024,
      heapUsedBytes: memory.heapUsed,
      heapTotalBytes: memory.heapTotal,
      externalBytes: memory.external,
      eventLoopDelay: { p50: ms(delay.percentile(50)), p99: ms(delay.percentile(99)), max: ms(delay.max) },
      ...(counters ? { counters: counters(reset) } : {}),
    };
  };
  start().then(
    (running) => {
      process.on("message", (message: ParentMessage) => {
        if (message.type === "usage") {
          const snapshot = usage(running.counters, message.resetEventLoopDelay === true);
          if (message.resetEventLoopDelay) delay.reset();
          send({ type: "usage", id: message.id, usage: snapshot });
        } else if (message.type === "allocations") {
          allocations(message.action, message.file).then(
            () => send({ type: "allocations", id: message.id }),
            (error: Error) => send({ type: "allocations", id: message.id, error: error.message }),
          );
        } else if (message.type === "stop") {
          running
            .stop()
            .catch((error: Error) => process.stderr.write(`stop failed: ${error.stack ?? error.message}\n`))
            .finally(() => {
              send({ type: "stopped", id: message.id, usage: usage(running.counters) });
              // Let the IPC message leave before exiting (exit also writes --cpu-prof output).
              setTimeout(() => process.exit(0), 50);
            });
        }
      });
      process.on("disconnect", () => process.exit(0));
      send({ type: "ready", info: running.info });
    },
    (error: Error) => {
      send({ type: "failed", error: error.stack ?? error.message });
      setTimeout(() => process.exit(1), 50);
    },
  );
}
