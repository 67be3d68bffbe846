/**
 * The benchmark harness, small: a few hundred requests through the floor, modelbus's
 * JetStream door and (once it exists) its HTTP door, each in its own process against the
 * real NATS JetStream, MariaDB and a mock endpoint process. Correctness only — every
 * request gets exactly one correct response; no timing is asserted (that is `npm run bench`).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BenchChild } from "../../bench/children/spawn-child.ts";
import { smokeRun } from "../../bench/phases/smoke-run.ts";

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

  it("the floorstore diagnostic (the floor's loop through modelbus's store) answers 300 requests and stores an inference for each", { timeout: 60_000 }, async () => {
    const outcome = await smokeRun("floorstore", 300, mockUrl);
    expect(outcome.failures).toEqual([]);
    expect(outcome.ok).toBe(300);
  });

  it("modelbus's HTTP door answers 100 requests correctly, or is reported as not built yet (404)", { timeout: 60_000 }, async () => {
    const outcome = await smokeRun("http", 100, mockUrl);
    expect(outcome.failures).toEqual([]);
    if (outcome.available) expect(outcome.ok).toBe(100);
  });
});
