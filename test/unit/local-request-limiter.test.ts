import { describe, it, expect } from "vitest";
import { LocalRequestLimiter } from "../../src/throttle/local-request-limiter.ts";
import { GateQueueFullError } from "../../src/throttle/request-gate.ts";
import { gate, rejection, within } from "../support/async-probes.ts";

/** Deterministic pseudo-random numbers in [0, 1). */
function lcg(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
}

/** Lets every pending promise callback run. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A limiter without a bucket; `holds` jobs are held running until the test opens the gate. */
function heldLimiter(maxConcurrent: number, maxQueue: number, holds = maxConcurrent) {
  const limiter = new LocalRequestLimiter({ maxConcurrent, maxQueue });
  const hold = gate();
  const holders = Array.from({ length: holds }, () => limiter.schedule(() => hold.promise));
  return { limiter, hold, holders };
}

describe("LocalRequestLimiter: concurrency", () => {
  it("starts a job on an idle limiter synchronously, inside schedule()", async () => {
    const limiter = new LocalRequestLimiter({ maxConcurrent: 1, bucket: { requestsPerMinute: 60, burst: 1 }, maxQueue: 10 });
    let started = false;
    const done = limiter.schedule(async () => {
      started = true;
    });
    expect(started).toBe(true);
    await done;
    await limiter.stop("done");
  });

  it("never runs more than maxConcurrent jobs in a storm of jobs with random durations, and runs them all", async () => {
    const limiter = new LocalRequestLimiter({ maxConcurrent: 7, maxQueue: Number.POSITIVE_INFINITY });
    const random = lcg(7);
    let current = 0;
    let peak = 0;
    let ran = 0;
    const jobs: Promise<void>[] = [];
    for (let wave = 0; wave < 20; wave++) {
      for (let index = 0; index < 100; index++) {
        const turns = Math.floor(random() * 30);
        const throws = random() < 0.1;
        const real = random() < 0.05;
        jobs.push(
          limiter
            .schedule(async () => {
              current++;
              ran++;
              peak = Math.max(peak, current);
              try {
                if (real) await new Promise((resolve) => setTimeout(resolve, 1));
                for (let turn = 0; turn < turns; turn++) await Promise.resolve();
                if (throws) throw new Error("job failed");
              } finally {
                current--;
              }
            })
            .catch(() => {}),
        );
      }
      // New arrivals while others are mid-flight.
      for (let turn = 0; turn < 5; turn++) await Promise.resolve();
    }
    await within(Promise.all(jobs), 5_000);
    expect(ran).toBe(2_000);
    expect(peak).toBe(7);
    expect(limiter.counts()).toEqual({ queued: 0, running: 0 });
    await limiter.stop("done");
  });

  it("releases the slot when the job rejects or throws synchronously, before its promise settles", async () => {
    const limiter = new LocalRequestLimiter({ maxConcurrent: 1, maxQueue: 10 });
    const boom = new Error("boom");
    const failing = limiter.schedule(async () => {
      await Promise.resolve();
      throw boom;
    });
    const syncBoom = new Error("sync boom");
    const failingSync = limiter.schedule((): Promise<void> => {
      throw syncBoom;
    });
    let ranAfter = false;
    const after = limiter.schedule(async () => {
      ranAfter = true;
    });
    expect(await rejection(failing)).toBe(boom);
    expect(await rejection(failingSync)).toBe(syncBoom);
    await within(after, 1_000);
    expect(ranAfter).toBe(true);
    expect(limiter.counts()).toEqual({ queued: 0, running: 0 });

    // The job's outcome reaches the caller after its slot is free.
    let runningWhenSettled = -1;
    await limiter
      .schedule(async () => {
        throw boom;
      })
      .catch(() => {
        runningWhenSettled = limiter.counts().running;
      });
    expect(runningWhenSettled).toBe(0);
    await limiter.stop("done");
  });
});

describe("LocalRequestLimiter: queue", () => {
  it("starts waiting jobs in arrival order", async () => {
    const { limiter, hold, holders } = heldLimiter(2, 100);
    const order: number[] = [];
    const waiting = Array.from({ length: 50 }, (_, index) =>
      limiter.schedule(async () => {
        order.push(index);
        await Promise.resolve();
      }),
    );
    expect(limiter.counts()).toEqual({ queued: 50, running: 2 });
    hold.open();
    await within(Promise.all([...holders, ...waiting]), 1_000);
    expect(order).toEqual(Array.from({ length: 50 }, (_, index) => index));
    await limiter.stop("done");
  });

  it("refuses with GateQueueFullError exactly when max_queue jobs already wait; the waiting ones still run", async () => {
    const { limiter, hold, holders } = heldLimiter(1, 3);
    const ran: number[] = [];
    const waiting = [1, 2, 3].map((index) => limiter.schedule(async () => void ran.push(index)));
    expect(limiter.counts().queued).toBe(3);
    const refused = await rejection(limiter.schedule(async () => void ran.push(4)));
    expect(refused).toBeInstanceOf(GateQueueFullError);
    expect((refused as Error).message).toBe("request queue full (3 waiting)");
    expect(limiter.counts()).toEqual({ queued: 3, running: 1 });
    hold.open();
    await within(Promise.all([...holders, ...waiting]), 1_000);
    expect(ran).toEqual([1, 2, 3]);
    await limiter.stop("done");
  });

  it("with max_queue 0, runs what can start at once and refuses the rest", async () => {
    const { limiter, hold, holders } = heldLimiter(1, 0);
    expect(limiter.counts().running).toBe(1);
    expect(await rejection(limiter.schedule(async () => {}))).toBeInstanceOf(GateQueueFullError);
    hold.open();
    await Promise.all(holders);
    await within(
      limiter.schedule(async () => {}),
      1_000,
    );
    await limiter.stop("done");
  });

  it("counts jobs waiting for a token toward max_queue", async () => {
    // A frozen clock: the bucket's one token goes to the first job and never comes back.
    const limiter = new LocalRequestLimiter(
      { bucket: { requestsPerMinute: 60, burst: 1 }, maxQueue: 1 },
      { now: () => 0, timers: { set: () => undefined, clear: () => {} } },
    );
    await limiter.schedule(async () => {});
    const waiting = limiter.schedule(async () => {});
    expect(await rejection(limiter.schedule(async () => {}))).toBeInstanceOf(GateQueueFullError);
    limiter.dropQueued("dropped");
    expect(((await rejection(waiting)) as Error).message).toBe("dropped");
    await limiter.stop("done");
  });
});

describe("LocalRequestLimiter: abort", () => {
  it("takes an aborted job out of the queue at once: it never runs, frees its place and holds back nobody", async () => {
    const { limiter, hold, holders } = heldLimiter(1, 2);
    const controller = new AbortController();
    let abortedRan = false;
    const aborted = limiter.schedule(async () => {
      abortedRan = true;
    }, controller.signal);
    const order: string[] = [];
    const second = limiter.schedule(async () => void order.push("second"));
    expect(await rejection(limiter.schedule(async () => {}))).toBeInstanceOf(GateQueueFullError);

    const reason = new Error("client went away");
    controller.abort(reason);
    expect(await within(rejection(aborted), 100)).toBe(reason);
    expect(limiter.counts().queued).toBe(1);
    // Its place is free at once, not when it would have reached the front.
    const third = limiter.schedule(async () => void order.push("third"));
    expect(limiter.counts().queued).toBe(2);

    hold.open();
    await within(Promise.all([...holders, second, third]), 1_000);
    expect(order).toEqual(["second", "third"]);
    expect(abortedRan).toBe(false);
    await limiter.stop("done");
  });

  it("refuses a job whose signal is already aborted, and forgets the signal of a job that started", async () => {
    const limiter = new LocalRequestLimiter({ maxConcurrent: 1, maxQueue: 10 });
    const reason = new Error("already gone");
    expect(await rejection(limiter.schedule(async () => {}, AbortSignal.abort(reason)))).toBe(reason);

    const hold = gate();
    const holder = limiter.schedule(() => hold.promise);
    const controller = new AbortController();
    let finished = false;
    const queued = limiter.schedule(async () => {
      await Promise.resolve();
      finished = true;
    }, controller.signal);
    hold.open();
    await holder;
    await queued;
    controller.abort(); // too late to matter
    expect(finished).toBe(true);
    expect(limiter.counts()).toEqual({ queued: 0, running: 0 });
    await limiter.stop("done");
  });
});

describe("LocalRequestLimiter: stop and dropQueued", () => {
  it("stop() refuses new jobs, fails the waiting ones, and resolves when the running ones finish", async () => {
    const { limiter, hold, holders } = heldLimiter(2, 10);
    let waitingRan = false;
    const waiting = limiter.schedule(async () => {
      waitingRan = true;
    });
    let stopped = false;
    const stopping = limiter.stop("throttle stopped").then(() => {
      stopped = true;
    });
    expect(((await rejection(waiting)) as Error).message).toBe("throttle stopped");
    expect(((await rejection(limiter.schedule(async () => {}))) as Error).message).toBe("throttle stopped");
    await settle();
    expect(stopped).toBe(false);
    hold.open();
    await Promise.all(holders);
    await within(stopping, 1_000);
    expect(waitingRan).toBe(false);
    expect(limiter.counts()).toEqual({ queued: 0, running: 0 });
    await within(limiter.stop("again"), 100);
  });

  it("dropQueued() fails the waiting jobs and keeps serving new ones", async () => {
    const { limiter, hold, holders } = heldLimiter(1, 10);
    const dropped = [1, 2].map(() => limiter.schedule(async () => {}));
    limiter.dropQueued("redis lost");
    for (const job of dropped) expect(((await rejection(job)) as Error).message).toBe("redis lost");
    expect(limiter.counts()).toEqual({ queued: 0, running: 1 });
    const later = limiter.schedule(async () => {});
    hold.open();
    await within(Promise.all([...holders, later]), 1_000);
    await limiter.stop("done");
  });
});
