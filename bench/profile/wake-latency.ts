/**
 * Diagnostic (not part of `npm run bench`): what one round trip to another process costs on this
 * machine when the processes have been idle for a while, against when they are busy. A TCP echo
 * between two Node processes, a `SELECT 1` on MariaDB, and modelbus's store.begin (claimed) and
 * store.complete for sessionless requests, one at a time, at several paces.
 * `npx tsx bench/profile/wake-latency.ts`. On this VM the round trip grows from ~0.2 ms at a 5 ms
 * pace to several ms after 300–1000 ms idle (bench/results/store-cost.md, "Round trips after idle"):
 * a latency measured at low load is mostly the machine waking its processes, not the work.
 */
import { fork } from "node:child_process";
import { connect, createServer, type Socket } from "node:net";
import mariadb from "mariadb";
import { summarizeLatencies } from "../stats/percentiles.ts";
import type { AgentRequest } from "../../src/core/agent-request.ts";
import type { InferenceTicket } from "../../src/core/inference-store.ts";
import { createBenchDatabase, serverParts } from "../support/bench-database.ts";
import { openProbeStore } from "../support/probe-store.ts";

const paces = [5, 25, 50, 300, 1_000] as const;
const samplesAt = (paceMs: number) => (paceMs >= 300 ? 15 : 100);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

if (process.argv[2] === "--echo-server") {
  const server = createServer((socket) => socket.on("data", (data) => socket.write(data))).listen(0, "127.0.0.1", () => {
    const address = server.address();
    process.send?.(typeof address === "object" && address !== null ? address.port : 0);
  });
} else {
  const child = fork(new URL(import.meta.url).pathname, ["--echo-server"], { execArgv: process.execArgv });
  const port = await new Promise<number>((resolve) => child.once("message", (message) => resolve(Number(message))));
  const socket: Socket = connect(port, "127.0.0.1");
  await new Promise((resolve) => socket.once("connect", resolve));
  socket.setNoDelay(true);
  const echo = () => new Promise<void>((resolve) => (socket.once("data", () => resolve()), socket.write("x")));
  const connection = await mariadb.createConnection(serverParts());
  const select = () => connection.query("SELECT 1");
  const database = await createBenchDatabase(`modelbus_wake_${process.pid}`);
  const { store, prisma } = await openProbeStore(database.url);
  let sequence = 0;
  const tickets: InferenceTicket[] = [];
  /** store.begin for a new sessionless request (claimed), its ticket kept for storeComplete. */
  const storeBegin = async () => {
    sequence += 1;
    const request: AgentRequest = { request_id: `wake-${process.pid}-${sequence}`, model: "bench", messages: [{ role: "user", content: "hello" }] };
    const begun = await store.begin(request, { leaseMs: 60_000 });
    if (begun.kind !== "claimed") throw new Error(`not claimed: ${begun.kind}`);
    tickets.push(begun.ticket);
  };
  /** store.complete for the oldest ticket storeBegin kept. */
  const storeComplete = async () => {
    const ticket = tickets.shift();
    if (!ticket) throw new Error("no ticket left to complete");
    const message = { role: "assistant" as const, content: "hi" };
    const token_usage = { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 };
    const response = { request_id: ticket.requestId, status: "complete" as const, finish_reason: "stop", message, token_usage };
    await store.complete({ ticket, response, wireForm: "bare", costPerMillion: { input: 0, output: 0 } });
  };
  const timed = async (step: () => Promise<unknown>, paceMs: number) => {
    const times: number[] = [];
    for (let index = 0; index < samplesAt(paceMs) + 3; index += 1) {
      const startedAt = performance.now();
      await step();
      if (index >= 3) times.push(performance.now() - startedAt);
      await sleep(paceMs);
    }
    return summarizeLatencies(times);
  };
  try {
    console.log(
      "| pace (ms) | TCP echo, two Node processes: p50 / max (ms) | MariaDB `SELECT 1`: p50 / max (ms) | store.begin (claimed): p50 / max (ms) | store.complete: p50 / max (ms) |\n|---:|---:|---:|---:|---:|",
    );
    for (const paceMs of paces) {
      const cells = [];
      for (const step of [echo, select, storeBegin, storeComplete]) {
        const timing = await timed(step, paceMs);
        cells.push(`${timing.p50.toFixed(3)} / ${timing.max.toFixed(3)}`);
      }
      console.log(`| ${paceMs} | ${cells.join(" | ")} |`);
    }
  } finally {
    socket.destroy();
    await connection.end();
    await store.close();
    await prisma.$disconnect();
    await database.drop();
    child.kill();
  }
}
