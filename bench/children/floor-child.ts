/** The floor system under test in its own process (see floor/floor-loop.ts). */
import { AckPolicy, DeliverPolicy, DiscardPolicy, RetentionPolicy, StorageType, jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect, nanos } from "@nats-io/transport-node";
import mariadb from "mariadb";
import { FloorBatcher, floorTableDdl } from "../floor/floor-batcher.ts";
import { FloorLoop } from "../floor/floor-loop.ts";
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
  const pool = mariadb.createPool({ ...options.database, connectionLimit: options.connectionLimit });
  await pool.query(floorTableDdl);
  const batcher = new FloorBatcher(pool, options.maxBatch, options.maxConcurrentBatches);
  const loop = new FloorLoop({
    nats,
    consumer: await jetstream(nats).consumers.get(options.stream, options.consumer),
    prefix: options.prefix,
    concurrency: options.concurrency,
    chatUrl: `${options.mockUrl.replace(/\/+$/, "")}/chat/completions`,
    model: options.model,
    batcher,
  });
  await loop.start();
  return {
    info: { stream: options.stream },
    counters: () => ({ batches: batcher.batches, rows: batcher.rows, failures: loop.failures }),
    stop: async () => {
      await loop.stop();
      await nats.drain();
      await pool.end();
    },
  };
});
