import { describe, expect, it } from "vitest";
import type { AgentRequest } from "../../src/core/agent-request.ts";
import { beginAlone, beginBatch, type StoreTicket } from "../../src/store/begin-batch.ts";
import type { AgentCache } from "../../src/store/agent-cache.ts";
import type { SqlPort } from "../../src/store/sql-port.ts";
import { sqlDateTime } from "../../src/store/sql-values.ts";

/** A SqlPort that fails if any statement reaches it. */
const noSql: SqlPort = {
  execute: () => Promise.reject(new Error("no statement expected")),
  query: () => Promise.reject(new Error("no statement expected")),
  transaction: () => Promise.reject(new Error("no statement expected")),
};
const noAgents = { get: () => Promise.resolve(new Map()) } as unknown as AgentCache;

describe("sqlDateTime", () => {
  it("formats each millisecond as UTC DATETIME(3) text, the same one again from its cache", () => {
    const at = Date.UTC(2026, 11, 6, 21, 5, 9, 7);
    expect(sqlDateTime(new Date(at))).toBe("2026-12-06 21:05:09.007");
    expect(sqlDateTime(new Date(at))).toBe("2026-12-06 21:05:09.007");
    expect(sqlDateTime(new Date(at + 1))).toBe("2026-12-06 21:05:09.008");
    expect(sqlDateTime(new Date(at))).toBe("2026-12-06 21:05:09.007");
    expect(() => sqlDateTime(new Date(Number.NaN))).toThrow(RangeError);
  });
});

describe("beginAlone", () => {
  it("gives a fresh, sessionless request the ticket beginBatch would, with no statement", async () => {
    const request: AgentRequest = { request_id: "fresh-1", model: "m", messages: [{ role: "user", content: "hi" }] };
    const item = { request, leaseMs: 1_000, delivery: undefined, claimKey: "", owner: "owner-1", fresh: true };
    const now = () => Date.UTC(2026, 11, 6, 12, 0, 0, 0);
    const alone = beginAlone(item, now);
    const [batched] = await beginBatch(noSql, noAgents, [item], now);
    if (alone.kind !== "claimed" || batched?.kind !== "claimed") throw new Error("not claimed");
    const [ticket, batchedTicket] = [alone.ticket as StoreTicket, batched.ticket as StoreTicket];
    // The two ids are made anew on each call.
    const strip = (made: StoreTicket) => ({ ...made, inferenceId: "", session: { ...made.session, id: "" } });
    expect(strip(ticket)).toEqual(strip(batchedTicket));
    expect(ticket).toMatchObject({ fresh: true, owner: "owner-1", claimedAt: "2026-12-06 12:00:00.000" });
    expect(ticket.session).toMatchObject({ create: true, startPosition: 0, newMessages: request.messages });
    expect(ticket.session.historyHash).toMatch(/^[0-9a-f]{64}$/);
  });
});
