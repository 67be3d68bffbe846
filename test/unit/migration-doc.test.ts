/**
 * docs/migrating-from-semstreams.md stays true: its migration example loads, carries the
 * semstreams registry block unchanged, and its metric table names exactly the series the
 * code exports.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/load-config.ts";
import { createMetrics } from "../../src/observability/metrics.ts";

const page = readFileSync(new URL("../../docs/migrating-from-semstreams.md", import.meta.url), "utf8");
const jsonBlocks = [...page.matchAll(/```json\n([\s\S]*?)```/g)].map((match) => JSON.parse(match[1] as string) as Record<string, unknown>);

describe("docs/migrating-from-semstreams.md", () => {
  it("has the semstreams config and the modelbus config of its example", () => {
    expect(jsonBlocks).toHaveLength(2);
  });

  it("gives a modelbus config that loads, with the semstreams block copied unchanged", () => {
    const [semstreams, modelbus] = jsonBlocks as [Record<string, unknown>, Record<string, unknown>];
    expect(modelbus.model_registry).toEqual(semstreams.model_registry);
    const config = parseConfig(modelbus);
    const retry = (
      (semstreams.components as Record<string, { config: { retry: Record<string, unknown> } }>)["agentic-model"] as {
        config: { retry: Record<string, unknown> };
      }
    ).config.retry;
    expect(modelbus.retry).toEqual(retry);
    expect(config.metrics.semstreams).toBe(true);
  });

  it("lists exactly the semstreams series the code exports", async () => {
    const metrics = createMetrics({ defaultMetrics: false, semstreams: true });
    const exported = (await metrics.registry.getMetricsAsJSON()).map((metric) => metric.name).filter((name) => name.startsWith("semstreams_"));
    const section = page.slice(page.indexOf("## Metrics"));
    const listed = [...section.matchAll(/^\| `(semstreams_agentic_model_[a-z_]+)` \|/gm)].map((match) => match[1]);
    expect(listed.sort()).toEqual(exported.sort());
    expect(listed).toHaveLength(14);
  });
});
