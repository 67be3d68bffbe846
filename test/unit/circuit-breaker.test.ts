import { describe, expect, it } from "vitest";
import { CircuitBreaker, type BreakerState } from "../../src/registry/circuit-breaker.ts";

function breaker() {
  let time = 0;
  const changes: BreakerState[] = [];
  const instance = new CircuitBreaker({ window: 10, minCalls: 4, failureRatio: 0.5, cooldownMs: 1_000, now: () => time }, (state) => changes.push(state));
  return { instance, changes, advance: (ms: number) => (time += ms) };
}

describe("CircuitBreaker", () => {
  it("stays closed until the minimum number of calls, then opens above the failure ratio", () => {
    const { instance } = breaker();
    for (let index = 0; index < 3; index += 1) instance.record(false);
    expect(instance.state()).toBe("closed");
    instance.record(false);
    expect(instance.state()).toBe("open");
    expect(instance.tryAcquire()).toBe(false);
  });

  it("does not open at exactly the ratio", () => {
    const { instance } = breaker();
    for (const outcome of [true, false, true, false]) instance.record(outcome);
    expect(instance.state()).toBe("closed");
  });

  it("forgets outcomes older than the window", () => {
    const { instance } = breaker();
    for (let index = 0; index < 5; index += 1) instance.record(false);
    const fresh = breaker().instance;
    for (let index = 0; index < 4; index += 1) fresh.record(false);
    for (let index = 0; index < 10; index += 1) fresh.record(true);
    expect(fresh.state()).toBe("open"); // opened at the 4th failure; successes while open are ignored
    const rolling = breaker().instance;
    for (let index = 0; index < 10; index += 1) rolling.record(true);
    for (let index = 0; index < 5; index += 1) rolling.record(false);
    expect(rolling.state()).toBe("closed"); // 5 of the last 10 failed: not above 0.5
    rolling.record(false);
    expect(rolling.state()).toBe("open");
  });

  it("half-opens after the cooldown with exactly one probe; success closes it", () => {
    const { instance, changes, advance } = breaker();
    for (let index = 0; index < 4; index += 1) instance.record(false);
    advance(999);
    expect(instance.tryAcquire()).toBe(false);
    advance(1);
    expect(instance.state()).toBe("half_open");
    expect(instance.tryAcquire()).toBe(true);
    expect(instance.tryAcquire()).toBe(false);
    instance.record(true);
    expect(instance.state()).toBe("closed");
    expect(changes).toEqual(["open", "half_open", "closed"]);
  });

  it("re-opens when the probe fails", () => {
    const { instance, advance } = breaker();
    for (let index = 0; index < 4; index += 1) instance.record(false);
    advance(1_000);
    expect(instance.tryAcquire()).toBe(true);
    instance.record(false);
    expect(instance.state()).toBe("open");
    expect(instance.retryInMs()).toBe(1_000);
  });

  it("cools down for a provider-requested pause longer than the cooldown", () => {
    const { instance, advance } = breaker();
    instance.coolDown(5_000);
    expect(instance.state()).toBe("open");
    advance(4_999);
    expect(instance.state()).toBe("open");
    advance(1);
    expect(instance.state()).toBe("half_open");
  });
});
