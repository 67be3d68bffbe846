import { describe, expect, it } from "vitest";
import { summarizeAllocationProfile } from "../../bench/profile/summarize-allocation-profile.ts";

const MB = 1_048_576;
interface Frame {
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly selfSize: number;
  readonly children: readonly Frame[];
}
const frame = (functionName: string, url: string, selfMb: number, children: Frame[] = []): Frame => ({
  callFrame: { functionName, url, lineNumber: 0 },
  selfSize: selfMb * MB,
  children,
});
const src = (file: string) => new URL(`../../src/${file}`, import.meta.url).href;

describe("summarizeAllocationProfile", () => {
  // root → handle (src, 1 MB) → [encode (pkg, 4 MB), handle again (recursion, 2 MB) → parse (node, 3 MB)]
  const head = frame("(root)", "", 0, [
    frame("handle", src("pipeline/handle.ts"), 1, [
      frame("encode", "file:///x/node_modules/@nats-io/nats-core/lib/encoders.js", 4),
      frame("handle", src("pipeline/handle.ts"), 2, [frame("parse", "node:internal/url", 3)]),
    ]),
  ]);

  it("ranks self bytes by function and module, and counts them per request", () => {
    const summary = summarizeAllocationProfile(head, 10, 1_024);
    expect(summary.total_mb).toBe(10);
    expect(summary.kb_per_request).toBe(10);
    expect(summary.by_function.map((row) => [row.name, row.mb])).toEqual([
      ["encode pkg:@nats-io/nats-core:1", 4],
      ["handle src/pipeline/handle.ts:1", 3],
      ["parse node:internal/url:1", 3],
    ]);
    expect(summary.by_module[0]).toEqual({ name: "pkg:@nats-io/nats-core", mb: 4, pct: 40 });
  });

  it("counts a src/ function once per stack in the inclusive ranking, recursion or not", () => {
    const [handle] = summarizeAllocationProfile(head).inclusive_src_functions;
    expect(handle).toEqual({ name: "handle src/pipeline/handle.ts:1", mb: 10, pct: 100 });
  });
});
