import { describe, expect, it } from "vitest";
import { ClaimSweeper } from "../../src/store/claim-sweeper.ts";
import type { SqlPort, SqlStatement } from "../../src/store/sql-port.ts";

/** A SqlPort whose statements never finish: a database that stopped answering. */
function hangingSql(seen: SqlStatement[]): SqlPort {
  return {
    execute: (statement) => {
      seen.push(statement);
      return new Promise<number>(() => undefined);
    },
    query: () => new Promise(() => undefined),
    transaction: () => new Promise(() => undefined),
  };
}

describe("ClaimSweeper.close", () => {
  it("tries to delete what is queued but does not hold shutdown for a database that does not answer", async () => {
    const seen: SqlStatement[] = [];
    const sweeper = new ClaimSweeper(hangingSql(seen), {
      intervalMs: 60_000,
      expiredEveryMs: 3_600_000,
      now: Date.now,
      onError: () => undefined,
      closeWaitMs: 50,
    });
    sweeper.answered("ab".repeat(32));
    const startedAt = performance.now();
    await sweeper.close();
    expect(performance.now() - startedAt).toBeLessThan(1_000);
    expect(seen.map((statement) => statement.values)).toEqual([["ab".repeat(32)]]);
  });
});
