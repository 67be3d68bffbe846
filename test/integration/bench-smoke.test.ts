/**
 * The benchmark harness, small: a few hundred requests through the floor, modelbus's
 * JetStream door and (once it exists) its HTTP door, each in its own process against the
 * real NATS JetStream, MariaDB and a mock endpoint process. Correctness only — every
 * request gets exactly one correct response, every stream arrives whole; no timing is asserted
 * (that is `npm run bench`).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BenchChild } from "../../bench/children/spawn-child.ts";
import { parseBenchOptions } from "../../bench/bench-options.ts";
import { smokeRun } from "../../bench/phases/smoke-run.ts";
import { runStreamingSut } from "../../bench/phases/streaming.ts";

let mock: BenchChild;
let mockUrl: string;

beforeAll(async () => {
  const started = await BenchChild.start({ script: "mock-child.ts", options: {} });
  mock = started.child;
  mockUrl = String(started.info.url);
});

afterAll(async () => {
  await mock?.stop().catch(() => mock.kill());
});

describe("bench smoke (correctness only)", () => {
  it("the floor answers 300 requests exactly once each", { timeout: 60_000 }, async () => {
    const outcome = await smokeRun("floor", 300, mockUrl);
    expect(outcome.failures).toEqual([]);
    expect(outcome.ok).toBe(300);
  });

  it("modelbus (JetStream door, persistence on) answers 300 requests exactly once each", { timeout: 60_000 }, async () => {
    const outcome = await smokeRun("modelbus", 300, mockUrl);
    expect(outcome.failures).toEqual([]);
    expect(outcome.ok).toBe(300);
  });

  it(
    "the floorstore diagnostic (the floor's loop through modelbus's store) answers 300 requests and stores an inference for each",
    { timeout: 60_000 },
    async () => {
      const outcome = await smokeRun("floorstore", 300, mockUrl);
      expect(outcome.failures).toEqual([]);
      expect(outcome.ok).toBe(300);
    },
  );

  it(
    "streams through the floor and modelbus, both doors: every stream's chunks and answer whole, exactly once, each stored",
    { timeout: 120_000 },
    async () => {
      const options = parseBenchOptions([
        "--quick",
        "--tsx",
        "--stream-chunks",
        "20",
        "--stream-seconds",
        "1",
        "--stream-hold",
        "40",
        "--stream-hold-seconds",
        "1",
      ]);
      const context = { options, mock, mockUrl, log: () => undefined };
      for (const sut of ["floor", "modelbus"] as const) {
        const run = await runStreamingSut(context, sut, 1);
        expect(run.failures).toEqual([]);
        expect(run.phases.map((phase) => phase.name)).toEqual(["jetstream_latency", "jetstream_hold", "http_latency", "http_hold"]);
        for (const phase of run.phases) {
          expect(phase.streams).toBeGreaterThan(0);
          expect(phase.ok).toBe(phase.streams);
          expect(phase.chunks_received).toBe(phase.streams * 20);
          expect(phase.ttft_ms.count).toBe(phase.streams);
        }
      }
    },
  );

  it("modelbus's HTTP door answers 100 requests correctly, or is reported as not built yet (404)", { timeout: 60_000 }, async () => {
    const outcome = await smokeRun("http", 100, mockUrl);
    expect(outcome.failures).toEqual([]);
    if (outcome.available) expect(outcome.ok).toBe(100);
  });
});
