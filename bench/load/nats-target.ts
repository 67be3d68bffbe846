import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager, type JetStreamClient } from "@nats-io/jetstream";
import { connect, nanos, type NatsConnection, type Subscription } from "@nats-io/transport-node";
import { agentRequest, checkAgentResponse } from "./bench-request.ts";
import type { LoadTarget } from "./load-target.ts";
import type { PhaseRecorder } from "./phase-recorder.ts";

interface Pending {
  readonly sequence: number;
  readonly scheduledAt: number;
  readonly recorder: PhaseRecorder;
  readonly settle: () => void;
}

const decoder = new TextDecoder();
const encoder = new TextEncoder();

/**
 * The orchestrator's side of the JetStream door: requests are published on
 * `<prefix>.request.bench` (awaiting the PubAck), responses collected by a core NATS
 * subscription on `<prefix>.response.>`. A request unanswered after `responseTimeoutMs`
 * is recorded as missing; a second answer to one request is counted as a duplicate.
 */
export class NatsTarget implements LoadTarget {
  readonly door = "jetstream" as const;
  private readonly pending = new Map<string, Pending>();
  private readonly answered = new Set<string>();
  private readonly sweeper: NodeJS.Timeout;
  duplicates = 0;
  unexpected = 0;

  private constructor(
    private readonly nats: NatsConnection,
    private readonly js: JetStreamClient,
    private readonly subscription: Subscription,
    private readonly prefix: string,
    private readonly runTag: string,
    private readonly providerDelayMs: number,
    private readonly responseTimeoutMs: number,
  ) {
    this.sweeper = setInterval(() => this.sweep(), 1_000);
  }

  static async connect(options: { natsUrl: string; prefix: string; runTag: string; providerDelayMs: number; responseTimeoutMs?: number }): Promise<NatsTarget> {
    const nats = await connect({ servers: options.natsUrl, name: "bench-load", noAsyncTraces: true });
    let target: NatsTarget | undefined;
    const subscription = nats.subscribe(`${options.prefix}.response.>`, {
      callback: (error, message) => {
        if (!error) target?.receive(message.data);
      },
    });
    await nats.flush();
    target = new NatsTarget(nats, jetstream(nats), subscription, options.prefix, options.runTag, options.providerDelayMs, options.responseTimeoutMs ?? 30_000);
    return target;
  }

  requestId(sequence: number): string {
    return `${this.runTag}-${sequence}`;
  }

  send(sequence: number, scheduledAt: number, recorder: PhaseRecorder): Promise<void> {
    const id = this.requestId(sequence);
    recorder.begin(scheduledAt, performance.now());
    return new Promise<void>((settle) => {
      this.pending.set(id, { sequence, scheduledAt, recorder, settle });
      const payload = encoder.encode(JSON.stringify(agentRequest(id, sequence, this.providerDelayMs)));
      this.js.publish(`${this.prefix}.request.bench`, payload).catch((error: Error) => {
        if (this.pending.delete(id)) {
          recorder.end({ sendError: error.message });
          settle();
        }
      });
    });
  }

  private receive(data: Uint8Array): void {
    const arrivedAt = performance.now();
    let value: { request_id?: unknown };
    try {
      value = JSON.parse(decoder.decode(data)) as { request_id?: unknown };
    } catch {
      this.unexpected += 1;
      return;
    }
    const id = String(value.request_id);
    const pending = this.pending.get(id);
    if (!pending) {
      if (this.answered.has(id)) this.duplicates += 1;
      else this.unexpected += 1;
      return;
    }
    this.pending.delete(id);
    this.answered.add(id);
    pending.recorder.end({ latencyMs: arrivedAt - pending.scheduledAt, problem: checkAgentResponse(value, id, pending.sequence) });
    pending.settle();
  }

  private sweep(): void {
    const oldest = performance.now() - this.responseTimeoutMs;
    for (const [id, pending] of this.pending) {
      if (pending.scheduledAt > oldest) continue;
      this.pending.delete(id);
      this.answered.add(id);
      pending.recorder.end("missing");
      pending.settle();
    }
  }

  /** Messages the stream holds on `<prefix>.response.>` (one per request if exactly-once held). */
  async storedResponses(stream: string): Promise<number> {
    const manager = await jetstreamManager(this.nats);
    const name = `count_${this.runTag.replace(/[^A-Za-z0-9_-]/g, "_")}`;
    const info = await manager.consumers.add(stream, {
      name,
      filter_subject: `${this.prefix}.response.>`,
      ack_policy: AckPolicy.None,
      deliver_policy: DeliverPolicy.All,
      inactive_threshold: nanos(30_000),
    });
    await manager.consumers.delete(stream, name).catch(() => undefined);
    return info.num_pending;
  }

  async deleteStream(stream: string): Promise<void> {
    const manager = await jetstreamManager(this.nats);
    await manager.streams.delete(stream).catch(() => undefined);
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    this.subscription.unsubscribe();
    await this.nats.drain();
  }
}
