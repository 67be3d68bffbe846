import { AckPolicy, DeliverPolicy, type JetStreamManager } from "@nats-io/jetstream";
import { nanos } from "@nats-io/transport-node";
import type { NatsConfig } from "../../config/config-schema.ts";
import type { Subjects } from "./subjects.ts";

/**
 * Creates the durable pull consumer, or brings an existing one's limits in line with the
 * config. Deliver policy "new" (as semstreams): a first start does not replay old requests.
 */
export async function ensureConsumer(
  manager: JetStreamManager,
  stream: string,
  config: NatsConfig,
  subjects: Subjects,
): Promise<void> {
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
