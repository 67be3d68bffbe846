/** The README's performance table is the latest full run's targets, as `npm run bench` wrote them. */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { readmeEnd, readmeStart, readmeTargetsBlock } from "../../bench/report/readme-targets.ts";
import type { BenchSummary } from "../../bench/report/summarize.ts";

const root = new URL("../../", import.meta.url);

describe("README performance table", () => {
  it("shows every target of bench/results/latest.json with its measured values", () => {
    const readme = readFileSync(new URL("README.md", root), "utf8");
    const latest = JSON.parse(readFileSync(new URL("bench/results/latest.json", root), "utf8")) as BenchSummary;
    expect(latest.mode).toBe("full");
    const block = readme.slice(readme.indexOf(readmeStart), readme.indexOf(readmeEnd) + readmeEnd.length);
    expect(block).toBe(readmeTargetsBlock(latest));
    expect(latest.targets.length).toBeGreaterThan(0);
    for (const target of latest.targets) expect(block).toContain(`| ${target.name} |`);
  });
});
