/** The floor system under test in its own process (see floor/floor-loop.ts). */
import { AckPolicy, DeliverPolicy, DiscardPolicy, RetentionPolicy, StorageType, jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect, nanos } from "@nats-io/transport-node";
import mariadb from "mariadb";
import { applyMigrations } from "../../src/store/migrations/apply-migrations.ts";
import { createInferenceStore } from "../../src/store/open-store.ts";
import { FloorBatcher, floorTableDdl } from "../floor/floor-batcher.ts";
import { FloorLoop } from "../floor/floor-loop.ts";
import { HttpStreamRelay } from "../floor/http-stream-relay.ts";
import type { FloorStorage } from "../floor/floor-storage.ts";
import { ModelbusStoreStorage } from "../floor/modelbus-store-storage.ts";
import { readChildOptions, serveChild } from "./child-runtime.ts";

export interface FloorChildOptions {
  readonly natsUrl: string;
  readonly database: { host: string; port: number; user: string; password?: string; database: string };
  readonly prefix: string;
  readonly stream: string;
  readonly consumer: string;
  readonly concurrency: number;
  readonly mockUrl: string;
  readonly model: string;
  readonly maxBatch: number;
  readonly maxConcurrentBatches: number;
  readonly connectionLimit: number;
  /**
   * "modelbus-store": modelbus's own store (migrated database at `databaseUrl`) instead of the
   * floor's one-row batched insert — the "floorstore" diagnostic (--with-floorstore).
   */
  readonly storage: "batched-insert" | "modelbus-store" | "none";
  readonly databaseUrl: string;
  /** The streaming floor (bench/phases/streaming.ts): relay SSE deltas on core NATS, and serve the HTTP relay. */
  readonly streaming?: boolean;
}

async function openStorage(options: FloorChildOptions): Promise<{ storage: FloorStorage; counters: () => Record<string, number>; close: () => Promise<void> }> {
  if (options.storage === "none") return { storage: { save: async () => undefined }, counters: () => ({}), close: async () => undefined };
  if (options.storage === "modelbus-store") {
    await applyMigrations({ databaseUrl: options.databaseUrl });
    const store = createInferenceStore(options.databaseUrl, options.connectionLimit, {
      maxBatch: options.maxBatch,
      maxConcurrentBatches: options.maxConcurrentBatches,
      agentCacheTtlMs: 30_000,
    });
    return { storage: new ModelbusStoreStorage(store, "bench"), counters: () => ({}), close: () => store.close() };
  }
  const pool = mariadb.createPool({ ...options.database, connectionLimit: options.connectionLimit });
  await pool.query(floorTableDdl);
  const batcher = new FloorBatcher(pool, options.maxBatch, options.maxConcurrentBatches);
  return { storage: batcher, counters: () => ({ batches: batcher.batches, rows: batcher.rows }), close: () => pool.end() };
}

serveChild(async () => {
  const options = readChildOptions<FloorChildOptions>();
  const nats = await connect({ servers: options.natsUrl, name: "bench-floor", noAsyncTraces: true });
  const manager = await jetstreamManager(nats);
  // The same stream and consumer settings modelbus creates (ensure-stream.ts, ensure-consumer.ts).
  await manager.streams.add({
    name: options.stream,
    subjects: [`${options.prefix}.>`],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    discard: DiscardPolicy.Old,
    max_age: nanos(3_600_000),
    duplicate_window: nanos(120_000),
    num_replicas: 1,
  });
  await manager.consumers.add(options.stream, {
    durable_name: options.consumer,
    filter_subject: `${options.prefix}.request.>`,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.New,
    ack_wait: nanos(120_000),
    max_deliver: 5,
    max_ack_pending: 1_000,
  });
  const storage = await openStorage(options);
  const chatUrl = `${options.mockUrl.replace(/\/+$/, "")}/chat/completions`;
  const relay = options.streaming ? await HttpStreamRelay.start(chatUrl) : undefined;
  const loop = new FloorLoop({
    nats,
    consumer: await jetstream(nats).consumers.get(options.stream, options.consumer),
    prefix: options.prefix,
    concurrency: options.concurrency,
    chatUrl,
    model: options.model,
    storage: storage.storage,
    stream: options.streaming ?? false,
  });
  await loop.start();
  return {
    info: { stream: options.stream, ...(relay ? { httpUrl: relay.url } : {}) },
    counters: () => ({ ...storage.counters(), failures: loop.failures }),
    stop: async () => {
      await relay?.close();
      await loop.stop();
      await nats.drain();
      await storage.close();
    },
  };
});
