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

/**
 * Publishes live chunks on `<prefix>.stream.<request_id>`; a lost chunk is never an error.
 *
 * The chunks that arrive in one turn of the event loop (from every stream whose provider socket
 * had data in that turn) are published together at its end (setImmediate), so nats.js writes
 * them to the socket in one call instead of one call each: on a busy service that write is most
 * of a chunk's cost. A turn ends within the same millisecond; `flush` publishes at once what is
 * waiting, and runs before `done` and before any answer is published, so a stream's chunks
 * always precede its `done` and its response.
 */
export class ChunkPublisher {
  private pending: [subject: string, data: Uint8Array][] = [];
  private scheduled = false;
  private readonly flushLater = () => this.flush();

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
    this.flush();
  }

  /** Publishes every chunk still waiting for the end of this turn. */
  flush(): void {
    this.scheduled = false;
    const pending = this.pending;
    if (pending.length === 0) return;
    this.pending = [];
    for (const [subject, data] of pending) {
      try {
        this.nats.publish(subject, data);
      } catch {
        // Chunks are a live view; the JetStream response is the record. A closed connection is reported elsewhere.
      }
    }
  }

  private send(requestId: string, chunk: StreamChunk): void {
    this.pending.push([this.subjects.stream(requestId), encoder.encode(JSON.stringify(chunk))]);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flushLater);
    }
  }
}
