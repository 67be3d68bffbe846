import { describe, expect, it } from "vitest";
import type { GroupConfig } from "../../src/config/config-schema.ts";
import { ProviderRateLimits } from "../../src/providers/provider-rate-limits.ts";
import { DeploymentRouter, type DeploymentLoad } from "../../src/registry/deployment-router.ts";

const idle: DeploymentLoad = { inFlight: 0, queued: 0, maxConcurrent: undefined, headroom: 1 };

function router(loads: Record<string, Partial<DeploymentLoad>> = {}, open: string[] = []) {
  let clock = 0;
  const instance = new DeploymentRouter({
    load: async (endpoint) => ({ ...idle, ...loads[endpoint] }),
    closed: (endpoint) => !open.includes(endpoint),
    now: () => clock,
  });
  return { instance, advance: (ms: number) => (clock += ms) };
}

const group = (strategy: GroupConfig["strategy"], deployments: Array<[string, number]>): GroupConfig => ({
  strategy,
  deployments: deployments.map(([endpoint, weight]) => ({ endpoint, weight })),
});

describe("DeploymentRouter", () => {
  it("weighted: picks first in exact proportion to the weights, spread out, the rest by weight behind", async () => {
    const { instance } = router();
    const config = group("weighted", [
      ["a", 5],
      ["b", 1],
      ["c", 1],
    ]);
    const firsts: string[] = [];
    for (let index = 0; index < 7; index += 1) firsts.push((await instance.order("g", config))[0] as string);
    // Smooth weighted round-robin (nginx's): a a b a c a a over one cycle of 7.
    expect(firsts).toEqual(["a", "a", "b", "a", "c", "a", "a"]);
    expect(await instance.order("g", config)).toEqual(["a", "b", "c"]);
  });

  it("least_busy: a free slot before a full one, then the fewest in flight and waiting", async () => {
    const { instance } = router({ a: { inFlight: 2, maxConcurrent: 2 }, b: { inFlight: 5, maxConcurrent: 10 }, c: { inFlight: 1, queued: 1 } });
    expect(
      await instance.order(
        "g",
        group("least_busy", [
          ["a", 1],
          ["b", 1],
          ["c", 1],
        ]),
      ),
    ).toEqual(["c", "b", "a"]);
  });

  it("limit_aware: the most headroom first, the least busy among equals", async () => {
    const { instance } = router({ a: { headroom: 0.2 }, b: { headroom: 0.9, inFlight: 3 }, c: { headroom: 0.9 } });
    expect(
      await instance.order(
        "g",
        group("limit_aware", [
          ["a", 1],
          ["b", 1],
          ["c", 1],
        ]),
      ),
    ).toEqual(["c", "b", "a"]);
  });

  it("puts a deployment cooling down after a 429, or open in the breaker, last until it recovers", async () => {
    const { instance, advance } = router({}, ["c"]);
    const config = group("least_busy", [
      ["a", 1],
      ["b", 1],
      ["c", 1],
    ]);
    instance.coolDown("a", 1_000);
    expect(instance.available("a")).toBe(false);
    expect(await instance.order("g", config)).toEqual(["b", "a", "c"]);
    advance(1_000);
    expect(instance.available("a")).toBe(true);
    expect(await instance.order("g", config)).toEqual(["a", "b", "c"]);
  });

  it("keeps only the deployments a route admits (requires_tools)", async () => {
    const { instance } = router();
    expect(
      await instance.order(
        "g",
        group("weighted", [
          ["a", 1],
          ["b", 1],
        ]),
        (endpoint) => endpoint === "b",
      ),
    ).toEqual(["b"]);
  });
});

describe("ProviderRateLimits", () => {
  it("reads x-ratelimit-* headers into the smaller share left, until the reset", () => {
    let clock = 0;
    const limits = new ProviderRateLimits(() => clock);
    expect(limits.headroom("e")).toBe(1);
    limits.record("e", {
      "x-ratelimit-limit-requests": "1000",
      "x-ratelimit-remaining-requests": "900",
      "x-ratelimit-reset-requests": "6m0s",
      "x-ratelimit-limit-tokens": "100000",
      "x-ratelimit-remaining-tokens": "25000",
      "x-ratelimit-reset-tokens": "2s",
    });
    expect(limits.headroom("e")).toBe(0.25);
    clock += 2_000; // the token budget refilled
    expect(limits.headroom("e")).toBe(0.9);
    limits.record("e", { "x-ratelimit-remaining-requests": "0", "x-ratelimit-reset-requests": "1.5" });
    expect(limits.headroom("e")).toBe(0);
    clock += 1_500;
    expect(limits.headroom("e")).toBe(1);
    limits.record("e", { "x-ratelimit-remaining-requests": "soon" });
    expect(limits.view("e")?.requests?.remaining).toBe(0);
  });
});
