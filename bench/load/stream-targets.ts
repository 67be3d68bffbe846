import { Agent, request } from "node:http";
import { jetstream, type JetStreamClient } from "@nats-io/jetstream";
import { connect, type NatsConnection, type Subscription } from "@nats-io/transport-node";
import { pacedMockContent } from "../../src/providers/mock/choose-mock-behaviour.ts";
import { summarizeLatencies, type LatencySummary } from "../stats/percentiles.ts";
import { benchModel } from "./bench-request.ts";
import { chatRequestOptions } from "./http-target.ts";
import { takeSseData } from "./sse-data.ts";
import { Outstanding } from "./outstanding.ts";

/** The stream every request asks the mock for: `chunks` pieces, one every `chunkMs`. */
export interface StreamShape {
  readonly chunks: number;
  readonly chunkMs: number;
}

function streamMessages(sequence: number, shape: StreamShape): unknown[] {
  return [{ role: "user", content: `stream ${sequence} [mock:chunks=${shape.chunks},chunk_ms=${shape.chunkMs}]` }];
}

/**
 * What the client saw of the streams of one phase: time to first token (request sent → first
 * content delta in), the gaps between consecutive content deltas (inter-chunk latency), and
 * each stream's outcome. A stream is correct when its deltas and its final answer both hold the
 * content the mock generated, and it ended once.
 */
export class StreamRecorder {
  readonly ttfts: number[] = [];
  readonly gaps: number[] = [];
  readonly problems: string[] = [];
  sent = 0;
  ok = 0;
  incorrect = 0;
  missing = 0;
  chunks = 0;
  private readonly outstanding = new Outstanding();

  constructor(readonly name: string) {}

  begin(): StreamProgress {
    this.sent += 1;
    this.outstanding.begin();
    return new StreamProgress(this, performance.now());
  }

  /** @internal StreamProgress reports here. */
  chunk(progress: StreamProgress, at: number): void {
    this.chunks += 1;
    if (progress.lastAt === undefined) this.ttfts.push(at - progress.sentAt);
    else this.gaps.push(at - progress.lastAt);
  }

  /** @internal */
  settle(problem: string | undefined | "missing"): void {
    if (problem === "missing") this.missing += 1;
    else if (problem !== undefined) {
      this.incorrect += 1;
      if (this.problems.length < 5) this.problems.push(problem);
    } else this.ok += 1;
    this.outstanding.end();
  }

  idle(): Promise<void> {
    return this.outstanding.idle();
  }

  get failed(): number {
    return this.incorrect + this.missing;
  }

  ttft(): LatencySummary {
    return summarizeLatencies(this.ttfts);
  }

  interChunk(): LatencySummary {
    return summarizeLatencies(this.gaps);
  }
}

/** One stream in flight: its deltas so far; settles its recorder exactly once. */
export class StreamProgress {
  lastAt: number | undefined;
  content = "";
  private settled = false;

  constructor(
    private readonly recorder: StreamRecorder,
    readonly sentAt: number,
  ) {}

  delta(text: string, at = performance.now()): void {
    this.recorder.chunk(this, at);
    this.lastAt = at;
    this.content += text;
  }

  end(problem: string | undefined | "missing"): boolean {
    if (this.settled) return false;
    this.settled = true;
    this.recorder.settle(problem);
    return true;
  }
}

/** A door that streams: `send` resolves when the stream ended (or was given up); it never rejects. */
export interface StreamTarget {
  readonly door: "jetstream" | "http";
  send(sequence: number, shape: StreamShape, recorder: StreamRecorder): Promise<void>;
  readonly duplicates: number;
  close(): Promise<void>;
}

const decoder = new TextDecoder();

/**
 * The JetStream door, streaming: the request (`stream: true`) published on
 * `<prefix>.request.bench`, its deltas read off core NATS `<prefix>.stream.<id>`, its answer off
 * `<prefix>.response.<id>`. The stream ends with the answer; a `done` chunk must come before it.
 */
export class NatsStreamTarget implements StreamTarget {
  readonly door = "jetstream" as const;
  private readonly live = new Map<string, { progress: StreamProgress; shape: StreamShape; done: boolean; settle: () => void; timer: NodeJS.Timeout }>();
  private readonly ended = new Set<string>();
  duplicates = 0;

  private constructor(
    private readonly nats: NatsConnection,
    private readonly js: JetStreamClient,
    private readonly subscriptions: Subscription[],
    private readonly prefix: string,
    private readonly runTag: string,
    private readonly timeoutMs: number,
  ) {}

  static async connect(options: { natsUrl: string; prefix: string; runTag: string; timeoutMs?: number }): Promise<NatsStreamTarget> {
    const nats = await connect({ servers: options.natsUrl, name: "bench-stream-load", noAsyncTraces: true });
    let target: NatsStreamTarget | undefined;
    const chunks = nats.subscribe(`${options.prefix}.stream.>`, { callback: (error, message) => void (error ?? target?.onChunk(message.data)) });
    const answers = nats.subscribe(`${options.prefix}.response.>`, { callback: (error, message) => void (error ?? target?.onAnswer(message.data)) });
    await nats.flush();
    target = new NatsStreamTarget(nats, jetstream(nats), [chunks, answers], options.prefix, options.runTag, options.timeoutMs ?? 60_000);
    return target;
  }

  send(sequence: number, shape: StreamShape, recorder: StreamRecorder): Promise<void> {
    const id = `${this.runTag}-${sequence}`;
    return new Promise<void>((settle) => {
      const progress = recorder.begin();
      const timer = setTimeout(() => this.finish(id, "missing"), this.timeoutMs);
      this.live.set(id, { progress, shape, done: false, settle, timer });
      const body = JSON.stringify({ request_id: id, model: benchModel, stream: true, messages: streamMessages(sequence, shape) });
      this.js.publish(`${this.prefix}.request.bench`, body).catch((error: Error) => this.finish(id, `publish failed: ${error.message}`));
    });
  }

  private onChunk(data: Uint8Array): void {
    const at = performance.now();
    const chunk = JSON.parse(decoder.decode(data)) as { request_id: string; content_delta?: string; done?: boolean };
    const stream = this.live.get(chunk.request_id);
    if (!stream) return;
    if (chunk.content_delta) stream.progress.delta(chunk.content_delta, at);
    if (chunk.done) stream.done = true;
  }

  private onAnswer(data: Uint8Array): void {
    const answer = JSON.parse(decoder.decode(data)) as { request_id: string; status?: string; error?: string; message?: { content?: string } };
    if (this.ended.has(answer.request_id)) {
      this.duplicates += 1;
      return;
    }
    const stream = this.live.get(answer.request_id);
    if (!stream) return;
    const expected = pacedMockContent(stream.shape.chunks);
    let problem: string | undefined;
    if (answer.status !== "complete") problem = `status ${answer.status} (${answer.error ?? ""})`;
    else if (answer.message?.content !== expected) problem = `answer content ${JSON.stringify(answer.message?.content?.slice(0, 40))}…`;
    else if (stream.progress.content !== expected) problem = `streamed ${stream.progress.content.length} of ${expected.length} characters`;
    // Chunks are fire-and-forget on core NATS, but on one connection they arrive before the answer.
    else if (!stream.done) problem = "no done chunk before the answer";
    this.finish(answer.request_id, problem);
  }

  private finish(id: string, problem: string | undefined | "missing"): void {
    const stream = this.live.get(id);
    if (!stream) return;
    clearTimeout(stream.timer);
    this.live.delete(id);
    this.ended.add(id);
    stream.progress.end(problem);
    stream.settle();
  }

  async close(): Promise<void> {
    for (const subscription of this.subscriptions) subscription.unsubscribe();
    await this.nats.drain();
  }
}

/**
 * The HTTP door, streaming: `POST /v1/chat/completions` with `stream: true` over a keep-alive
 * pool, SSE parsed as it arrives; the stream ends at `data: [DONE]` after a finish_reason.
 */
export class HttpStreamTarget implements StreamTarget {
  readonly door = "http" as const;
  readonly duplicates = 0;
  private readonly url: URL;
  private readonly agent: Agent;

  constructor(
    httpUrl: string,
    private readonly apiKey: string,
    maxSockets: number,
    private readonly timeoutMs = 60_000,
  ) {
    this.url = new URL(`${httpUrl}/v1/chat/completions`);
    this.agent = new Agent({ keepAlive: true, maxSockets });
  }

  send(sequence: number, shape: StreamShape, recorder: StreamRecorder): Promise<void> {
    const body = JSON.stringify({ model: benchModel, stream: true, messages: streamMessages(sequence, shape) });
    const expected = pacedMockContent(shape.chunks);
    return new Promise<void>((settle) => {
      const progress = recorder.begin();
      const end = (problem: string | undefined | "missing") => {
        if (progress.end(problem)) settle();
      };
      const outgoing = request(this.url, chatRequestOptions(this.agent, body, this.apiKey, this.timeoutMs), (response) => {
        let pending = "";
        let finish: string | undefined;
        let done = false;
        response.on("data", (part: Buffer) => {
          const at = performance.now();
          const frames = takeSseData(pending + part.toString("utf8"));
          pending = frames.rest;
          for (const data of frames.data) {
            if (data === "[DONE]") {
              done = true;
              continue;
            }
            const chunk = JSON.parse(data) as { choices?: { delta?: { content?: string }; finish_reason?: string | null }[] };
            const choice = chunk.choices?.[0];
            if (choice?.delta?.content) progress.delta(choice.delta.content, at);
            if (choice?.finish_reason) finish = choice.finish_reason;
          }
        });
        response.on("end", () => {
          if (response.statusCode !== 200) end(`HTTP ${response.statusCode}: ${pending.slice(0, 200)}`);
          else if (progress.content !== expected) end(`streamed ${progress.content.length} of ${expected.length} characters`);
          else if (finish !== "stop" || !done) end(`finish_reason ${finish}, [DONE] ${done}`);
          else end(undefined);
        });
        response.on("error", (error) => end(`response: ${error.message}`));
      });
      outgoing.on("timeout", () => {
        outgoing.destroy();
        end("missing");
      });
      outgoing.on("error", (error: NodeJS.ErrnoException) => end(`request: ${error.code ?? ""} ${error.message}`));
      outgoing.end(body);
    });
  }

  async close(): Promise<void> {
    this.agent.destroy();
  }
}

/**
 * `concurrency` streams at a time until `durationMs` has passed (or `count` were sent): each
 * worker starts its next stream when its last ended. `staggerMs` spreads the workers' first
 * starts over that time, so a phase holding many streams starts as a steady state, not a burst.
 */
export async function streamLoop(
  target: StreamTarget,
  shape: StreamShape,
  options: { name: string; concurrency: number; durationMs?: number; count?: number; staggerMs?: number; nextSequence: () => number },
): Promise<StreamRecorder> {
  const recorder = new StreamRecorder(options.name);
  const endAt = performance.now() + (options.durationMs ?? Number.POSITIVE_INFINITY);
  let left = options.count ?? Number.POSITIVE_INFINITY;
  const worker = async (index: number) => {
    if (options.staggerMs) await new Promise((resolve) => setTimeout(resolve, (options.staggerMs as number) * (index / options.concurrency)));
    while (left > 0 && performance.now() < endAt) {
      left -= 1;
      await target.send(options.nextSequence(), shape, recorder);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, (_, index) => worker(index)));
  await recorder.idle();
  return recorder;
}
