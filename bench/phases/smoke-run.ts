import { parseBenchOptions } from "../bench-options.ts";
import { benchApiKey, startSut, type SutKind } from "../children/start-sut.ts";
import { benchNames, natsUrl } from "../load/bench-names.ts";
import { closedLoopCount } from "../load/closed-loop.ts";
import { HttpTarget, probeHttpDoor } from "../load/http-target.ts";
import type { LoadTarget } from "../load/load-target.ts";
import { NatsTarget } from "../load/nats-target.ts";
import { countInDatabase, createBenchDatabase } from "../support/bench-database.ts";

export interface SmokeOutcome {
  readonly sut: SutKind;
  /** false only for "http" when the route answers 404 (not built yet). */
  readonly available: boolean;
  readonly sent: number;
  readonly ok: number;
  readonly failures: readonly string[];
}

/**
 * The smoke version of one bench run: `count` requests through the system under test
 * (64 outstanding), correctness only — exactly one correct response per request, one
 * stored response per request in the stream, one stored row per request.
 */
export async function smokeRun(kind: SutKind, count: number, mockUrl: string): Promise<SmokeOutcome> {
  const names = benchNames(kind);
  const database = await createBenchDatabase(names.database);
  let child: Awaited<ReturnType<typeof startSut>>["child"] | undefined;
  let nats: NatsTarget | undefined;
  try {
    // The bench's own options spread in, as runSut spreads them, so a name they share with startSut's cannot go unnoticed.
    const started = await startSut(kind, names, database.url, mockUrl, { ...parseBenchOptions(["--quick", "--tsx"]), concurrency: 64 });
    child = started.child;
    const httpUrl = String(started.info.httpUrl);
    if (kind === "http") {
      const probe = await probeHttpDoor(httpUrl, benchApiKey);
      if (!probe.available) return { sut: kind, available: false, sent: 0, ok: 0, failures: [] };
    }
    nats = await NatsTarget.connect({ natsUrl, prefix: names.prefix, runTag: `smoke-${kind}-${names.id}`, providerDelayMs: 0 });
    const target: LoadTarget = kind === "http" ? new HttpTarget(httpUrl, benchApiKey, 0, 64) : nats;
    let sequence = 0;
    const recorder = await closedLoopCount(target, { name: "smoke", outstanding: 64, count, nextSequence: () => ++sequence });
    if (target !== nats) await target.close();
    await new Promise((resolve) => setTimeout(resolve, 300));
    const failures: string[] = [];
    if (recorder.ok !== count)
      failures.push(
        `${recorder.ok}/${count} correct (${recorder.incorrect} incorrect, ${recorder.missing} missing, ${recorder.sendErrors} not sent: ${recorder.problems.join("; ")})`,
      );
    if (nats.duplicates > 0) failures.push(`${nats.duplicates} duplicate responses`);
    if (nats.unexpected > 0) failures.push(`${nats.unexpected} unexpected responses`);
    if (kind !== "http") {
      const stored = await nats.storedResponses(names.stream);
      if (stored !== count) failures.push(`the stream holds ${stored} responses for ${count} requests`);
      const rows = await countInDatabase(
        names.database,
        kind === "floor" ? "SELECT COUNT(*) FROM floor_responses" : "SELECT COUNT(*) FROM inferences WHERE completed_at IS NOT NULL",
      );
      if (rows !== count) failures.push(`${rows} stored rows for ${count} requests`);
    }
    await child.stop();
    return { sut: kind, available: true, sent: recorder.sent, ok: recorder.ok, failures };
  } finally {
    child?.kill();
    if (nats) {
      await nats.deleteStream(names.stream);
      await nats.close();
    }
    await database.drop();
  }
}
