import { describe, expect, it } from "vitest";
import { GroupCommit } from "../../src/store/group-commit.ts";

const tick = (ms = 5) => new Promise((resolve) => setTimeout(resolve, ms));

describe("GroupCommit", () => {
  it("sends a lone item at once and batches what arrives while a batch is in flight", async () => {
    const batches: number[][] = [];
    const commit = new GroupCommit<number, number>({
      maxBatch: 100,
      maxConcurrent: 1,
      run: async (items) => {
        batches.push([...items]);
        await tick(20);
        return items.map((item) => item * 2);
      },
    });
    const first = commit.submit(1);
    await tick(1);
    const rest = [2, 3, 4].map((item) => commit.submit(item));
    expect(await Promise.all([first, ...rest])).toEqual([2, 4, 6, 8]);
    expect(batches).toEqual([[1], [2, 3, 4]]);
  });

  it("caps the batch size and the batches in flight", async () => {
    let inFlight = 0;
    let peak = 0;
    const sizes: number[] = [];
    const commit = new GroupCommit<number, number>({
      maxBatch: 3,
      maxConcurrent: 2,
      run: async (items) => {
        inFlight += 1;
        peak = Math.max(peak, inFlight);
        sizes.push(items.length);
        await tick(10);
        inFlight -= 1;
        return items;
      },
    });
    await Promise.all(Array.from({ length: 20 }, (_, index) => commit.submit(index)));
    expect(peak).toBe(2);
    expect(Math.max(...sizes)).toBe(3);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(20);
  });

  it("isolates a failing item: its neighbours in the batch still succeed", async () => {
    const commit = new GroupCommit<number, number>({
      maxBatch: 10,
      maxConcurrent: 1,
      run: async (items) => {
        await tick(5);
        if (items.includes(13)) throw new Error("unlucky");
        return items;
      },
    });
    const blocker = commit.submit(0);
    const results = await Promise.allSettled([12, 13, 14].map((item) => commit.submit(item)));
    await blocker;
    expect(results.map((result) => result.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
  });

  it("fails the batch and everything queued behind it at once when the database is unreachable", async () => {
    let runs = 0;
    const unreachable = Object.assign(new Error("pool timeout"), { unreachable: true });
    const commit = new GroupCommit<number, number>({
      maxBatch: 2,
      maxConcurrent: 1,
      failsWholeBatch: (error) => (error as { unreachable?: boolean }).unreachable === true,
      run: async () => {
        runs += 1;
        await tick(5);
        throw unreachable;
      },
    });
    const results = await Promise.allSettled([1, 2, 3, 4, 5].map((item) => commit.submit(item)));
    expect(results.every((result) => result.status === "rejected" && result.reason === unreachable)).toBe(true);
    expect(runs).toBe(1); // not one attempt (and one connection timeout) per queued batch or item
    await commit.drain();
  });

  it("drain waits for everything queued and in flight", async () => {
    let done = 0;
    const commit = new GroupCommit<number, number>({
      maxBatch: 2,
      maxConcurrent: 1,
      run: async (items) => {
        await tick(5);
        done += items.length;
        return items;
      },
    });
    for (let index = 0; index < 5; index += 1) void commit.submit(index);
    await commit.drain();
    expect(done).toBe(5);
  });
});
