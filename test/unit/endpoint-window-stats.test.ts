import { describe, expect, it } from "vitest";
import { EndpointWindowStats } from "../../src/observability/endpoint-window-stats.ts";

describe("EndpointWindowStats", () => {
  it("reports nothing for an endpoint without answers", () => {
    expect(new EndpointWindowStats(() => 0).view("main")).toEqual({ window_seconds: 300, calls: 0, errors: 0, error_rate: null, p50_ms: null, p99_ms: null });
  });

  it("gives p50 and p99 within a bin (about 5 %) and the error rate, per endpoint", () => {
    const stats = new EndpointWindowStats(() => 1_000_000);
    for (let latency = 1; latency <= 1_000; latency++) stats.record("main", latency, latency % 10 === 0);
    stats.record("spare", 5_000, true);
    const main = stats.view("main");
    expect(main).toMatchObject({ calls: 1_000, errors: 100, error_rate: 0.1 });
    expect(Math.abs((main.p50_ms ?? 0) - 500) / 500).toBeLessThan(0.05);
    expect(Math.abs((main.p99_ms ?? 0) - 990) / 990).toBeLessThan(0.05);
    expect(stats.view("spare")).toMatchObject({ calls: 1, errors: 1, error_rate: 1 });
    expect(Math.abs((stats.view("spare").p50_ms ?? 0) - 5_000) / 5_000).toBeLessThan(0.05);
  });

  it("forgets what is older than five minutes, slot by slot", () => {
    let now = 0;
    const stats = new EndpointWindowStats(() => now);
    stats.record("main", 100, true);
    now = 150_000;
    stats.record("main", 10, false);
    expect(stats.view("main")).toMatchObject({ calls: 2, errors: 1 });
    now = 300_000; // the first slot has left the window
    expect(stats.view("main")).toMatchObject({ calls: 1, errors: 0, error_rate: 0 });
    now = 300_000 + 150_000;
    stats.record("main", 20, false); // lands in the ring slot of the 150 s record, which starts over
    expect(stats.view("main")).toMatchObject({ calls: 1, errors: 0 });
    now = 10_000_000;
    expect(stats.view("main")).toMatchObject({ calls: 0, p50_ms: null });
  });
});
