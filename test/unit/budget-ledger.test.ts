import { describe, expect, it } from "vitest";
import { LocalBudgetLedger, refillsInMs } from "../../src/budget/budget-ledger.ts";

const minute = 60_000;

describe("budget ledger (sliding windows from two buckets)", () => {
  it("charges every limit or none, and counts the previous bucket by how much of it the window still covers", async () => {
    const ledger = new LocalBudgetLedger();
    const limits = (amount: number) => [
      { key: "loop:a:tokens", window: "per_minute" as const, limit: 100, amount },
      { key: "agent:w:tokens", window: "total" as const, limit: 1_000, amount },
    ];
    expect("charge" in (await ledger.charge(limits(60), 0))).toBe(true);
    const refused = await ledger.charge(limits(50), 10_000);
    expect(refused).toEqual({ exceeded: { index: 0, spent: 60, refillsInMs: expect.any(Number) } });
    // Nothing was charged for the refused one, on either limit.
    expect(await ledger.spent("agent:w:tokens", "total", 10_000)).toBe(60);
    // Half a minute into the next bucket, half of the previous one still counts.
    expect(await ledger.spent("loop:a:tokens", "per_minute", minute + minute / 2)).toBe(30);
    expect("charge" in (await ledger.charge(limits(50), minute + minute / 2))).toBe(true);
  });

  it("corrects a charge by the real usage", async () => {
    const ledger = new LocalBudgetLedger();
    const result = await ledger.charge([{ key: "s:tokens", window: "per_hour", limit: 500, amount: 400 }], 0);
    if (!("charge" in result)) throw new Error("refused");
    await result.charge.correct([-390]);
    expect(await ledger.spent("s:tokens", "per_hour", 1)).toBe(10);
  });

  it("says when a charge fits again: as the previous bucket fades, or once this one has", () => {
    // 60 spent in the previous minute, 0 now, 10 s in: 60 * (1 - (10 + t) / 60) + 50 <= 100 → t >= 0 at once.
    expect(refillsInMs("per_minute", 0, 60, 50, 100, 10_000)).toBe(0);
    // 90 in the previous minute: 90 * (1 - (10 + t)/60) <= 50 → t >= 16.67 s.
    expect(refillsInMs("per_minute", 0, 90, 50, 100, 10_000)).toBe(16_667);
    // 80 in this minute: wait for it to roll over and fade to 50: 80 * (1 - (10 + t - 60)/60) <= 50 → t = 72.5 s.
    expect(refillsInMs("per_minute", 80, 0, 50, 100, 10_000)).toBe(72_500);
    expect(refillsInMs("total", 0, 0, 50, 10, 0)).toBe(Number.POSITIVE_INFINITY);
    expect(refillsInMs("per_hour", 0, 0, 200, 100, 0)).toBe(Number.POSITIVE_INFINITY);
  });
});
