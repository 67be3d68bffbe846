import type { BenchOptions } from "../bench-options.ts";
import { providerModel } from "../load/bench-request.ts";
import { natsUrl, type BenchNames } from "../load/bench-names.ts";
import { serverParts } from "../support/bench-database.ts";
import type { FloorChildOptions } from "./floor-child.ts";
import type { ModelbusChildOptions } from "./modelbus-child.ts";
import { BenchChild } from "./spawn-child.ts";

/**
 * Two diagnostic runs bracket the store's share of modelbus's cost: "nostore" is modelbus with
 * persistence off (--with-nostore; "httpnostore" the same through the HTTP door); "floorstore" is the floor's loop writing through modelbus's
 * own store instead of its one-row insert (--with-floorstore). "traced" is modelbus with
 * OpenTelemetry tracing on, every request sampled, exporting OTLP/HTTP to the mock process's sink
 * (--with-tracing): what tracing on costs beside the default run, where it is off.
 */
export type SutKind = "floor" | "modelbus" | "http" | "nostore" | "httpnostore" | "floorstore" | "traced";

/** The kinds driven through the HTTP door (the others through JetStream). */
export const httpKinds: ReadonlySet<SutKind> = new Set(["http", "httpnostore"]);

export const benchApiKey = "bench-api-key";

/** The floor's group commit mirrors modelbus's store defaults (max_batch 200, 4 batches in flight, pool of 10). */
const batching = { maxBatch: 200, maxConcurrentBatches: 4, connectionLimit: 10 };

/**
 * Starts the system under test in its own process; "http" is modelbus, driven through its HTTP door.
 * Compiled (dist/, see buildCompiled) when `options.compiledChildren`, else under tsx (the smoke test).
 */
export async function startSut(
  kind: SutKind,
  names: BenchNames,
  databaseUrl: string,
  mockUrl: string,
  options: Pick<BenchOptions, "concurrency"> &
    Partial<Pick<BenchOptions, "compiledChildren" | "modelbusNodeFlags">> & {
      readonly otlpUrl?: string | undefined;
      /** The streaming floor (relays SSE, stores nothing, serves an HTTP relay); modelbus streams per request. */
      readonly streamingFloor?: boolean;
    },
  nodeFlags: readonly string[] = [],
): Promise<{ child: BenchChild; info: Record<string, unknown> }> {
  const compiled = options.compiledChildren ?? false;
  if (kind === "floor" || kind === "floorstore") {
    const floor: FloorChildOptions = {
      natsUrl,
      database: { ...serverParts(), database: names.database },
      prefix: names.prefix,
      stream: names.stream,
      consumer: names.consumer,
      concurrency: options.concurrency,
      mockUrl,
      model: providerModel,
      ...batching,
      storage: options.streamingFloor ? "none" : kind === "floorstore" ? "modelbus-store" : "batched-insert",
      databaseUrl,
      streaming: options.streamingFloor ?? false,
    };
    return BenchChild.start({ script: "floor-child.ts", options: floor, nodeFlags, compiled });
  }
  const modelbus: ModelbusChildOptions = {
    natsUrl,
    databaseUrl,
    prefix: names.prefix,
    stream: names.stream,
    consumer: names.consumer,
    concurrency: options.concurrency,
    mockUrl,
    endpointName: "bench",
    model: providerModel,
    apiKey: benchApiKey,
    logLevel: "warn",
    persistence: kind !== "nostore" && kind !== "httpnostore",
    ...(kind === "traced" && options.otlpUrl ? { otlpUrl: options.otlpUrl } : {}),
  };
  return BenchChild.start({ script: "modelbus-child.ts", options: modelbus, nodeFlags: [...(options.modelbusNodeFlags ?? []), ...nodeFlags], compiled });
}
