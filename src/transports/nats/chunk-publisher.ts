import type { NatsConnection } from "@nats-io/transport-node";
import type { StreamDelta } from "../../core/chat-provider.ts";
import type { Subjects } from "./subjects.ts";

/** StreamChunk (docs/nats-contract.md, "Streaming"): raw JSON on core NATS, fire-and-forget, never wrapped. */
export interface StreamChunk {
  request_id: string;
  content_delta?: string;
  reasoning_delta?: string;
  done?: boolean;
}

const encoder = new TextEncoder();

/** Publishes live chunks on `<prefix>.stream.<request_id>`; a lost chunk is never an error. */
export class ChunkPublisher {
  constructor(
    private readonly nats: NatsConnection,
    private readonly subjects: Subjects,
  ) {}

  delta(requestId: string, delta: StreamDelta): void {
    const chunk: StreamChunk = { request_id: requestId };
    if (delta.contentDelta) chunk.content_delta = delta.contentDelta;
    if (delta.reasoningDelta) chunk.reasoning_delta = delta.reasoningDelta;
    this.send(requestId, chunk);
  }

  done(requestId: string): void {
    this.send(requestId, { request_id: requestId, done: true });
  }

  private send(requestId: string, chunk: StreamChunk): void {
    try {
      this.nats.publish(this.subjects.stream(requestId), encoder.encode(JSON.stringify(chunk)));
    } catch {
      // Chunks are a live view; the JetStream response is the record. A closed connection is reported elsewhere.
    }
  }
}
