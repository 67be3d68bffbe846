/**
 * What the JetStream door needs on the server before it pulls: the stream that holds our
 * subjects and the durable pull consumer, created when missing and brought in line with the config.
 */
import {
  AckPolicy,
  DeliverPolicy,
  DiscardPolicy,
  jetstream,
  jetstreamManager,
  type JetStreamClient,
  type JetStreamManager,
  RetentionPolicy,
  StorageType,
} from "@nats-io/jetstream";
import { nanos, type NatsConnection } from "@nats-io/transport-node";
import type { NatsConfig } from "../../config/config-schema.ts";
import type { Subjects } from "./subjects.ts";

function isNotFound(error: unknown): boolean {
  const code = (error as { code?: unknown; api_error?: { err_code?: unknown } }).api_error?.err_code;
  return code === 10059 || /not found/i.test(String((error as Error).message));
}

/**
 * Finds the stream that holds our subjects, creating it when allowed. Responses must be
 * retained (limits retention) for the redelivery check, and the duplicate window makes
 * JetStream drop a response published twice with the same Nats-Msg-Id.
 */
export async function ensureStream(manager: JetStreamManager, config: NatsConfig, subjects: Subjects): Promise<{ name: string; created: boolean }> {
  try {
    await manager.streams.info(config.stream);
    return { name: config.stream, created: false };
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
  const existing = await manager.streams.find(subjects.requests.replace(">", "probe")).catch(() => undefined);
  if (existing) return { name: existing, created: false };
  if (!config.create_stream) {
    throw new Error(`stream "${config.stream}" for ${subjects.all} does not exist and nats.create_stream is false`);
  }
  await manager.streams.add({
    name: config.stream,
    subjects: [subjects.all],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    discard: DiscardPolicy.Old,
    max_age: nanos(config.stream_max_age),
    duplicate_window: nanos(config.duplicate_window),
    num_replicas: 1,
  });
  return { name: config.stream, created: true };
}

/**
 * Creates the durable pull consumer, or brings an existing one's limits in line with the
 * config. Deliver policy "new" (as semstreams): a first start does not replay old requests.
 */
export async function ensureConsumer(manager: JetStreamManager, stream: string, config: NatsConfig, subjects: Subjects): Promise<void> {
  const limits = {
    ack_wait: nanos(config.ack_wait),
    max_deliver: config.max_deliver,
    max_ack_pending: config.max_ack_pending,
  };
  const existing = await manager.consumers.info(stream, config.consumer).catch(() => undefined);
  if (existing) {
    await manager.consumers.update(stream, config.consumer, limits);
    return;
  }
  await manager.consumers.add(stream, {
    durable_name: config.consumer,
    filter_subject: subjects.requests,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.New,
    ...limits,
  });
}

/** JetStream made ready for the door: the stream and the consumer exist, with a client and a manager over `nats`. */
export async function openJetStream(
  nats: NatsConnection,
  config: NatsConfig,
  subjects: Subjects,
): Promise<{ readonly client: JetStreamClient; readonly manager: JetStreamManager; readonly stream: { readonly name: string; readonly created: boolean } }> {
  const manager = await jetstreamManager(nats);
  const stream = await ensureStream(manager, config, subjects);
  await ensureConsumer(manager, stream.name, config, subjects);
  return { client: jetstream(nats), manager, stream };
}

/** Publishes one message on JetStream with its Nats-Msg-Id (the CLI's request), awaiting the PubAck. */
export async function publishOnJetStream(nats: NatsConnection, subject: string, data: string, msgID: string): Promise<void> {
  await jetstream(nats).publish(subject, data, { msgID });
}
