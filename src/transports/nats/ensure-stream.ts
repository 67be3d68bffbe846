import { DiscardPolicy, RetentionPolicy, StorageType, type JetStreamManager } from "@nats-io/jetstream";
import { nanos } from "@nats-io/transport-node";
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
export async function ensureStream(
  manager: JetStreamManager,
  config: NatsConfig,
  subjects: Subjects,
): Promise<{ name: string; created: boolean }> {
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
