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

/**
 * The child's half of the protocol: answers usage requests (CPU, RSS, event-loop delay),
 * and on "stop" runs `stop`, reports final usage and exits (so --cpu-prof is written).
 */
export function serveChild(
  start: () => Promise<{ info: Record<string, unknown>; stop: () => Promise<void>; counters?: (reset: boolean) => Record<string, number> }>,
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
