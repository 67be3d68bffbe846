import { Agent, request as httpRequest } from "node:http";
import { jetstream, type Consumer, type ConsumerMessages, type JsMsg } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { takeSseData } from "../load/sse-data.ts";
import type { FloorAnswer, FloorRequest, FloorStorage } from "./floor-storage.ts";

export interface FloorLoopOptions {
  readonly nats: NatsConnection;
  readonly consumer: Consumer;
  readonly prefix: string;
  readonly concurrency: number;
  readonly chatUrl: string;
  readonly model: string;
  /** The batched insert (FloorBatcher), or modelbus's own store for the diagnostic "floorstore" run. */
  readonly storage: FloorStorage;
  /**
   * The streaming floor: POST with `stream: true` and relay each content delta on core NATS
   * `<prefix>.stream.<request_id>` as it arrives (modelbus's chunk shape), then `done`.
   */
  readonly stream?: boolean;
}

const decoder = new TextDecoder();

/** What the endpoint answered, whole or assembled from its stream. */
interface Completed {
  content: string;
  finishReason: string;
  promptTokens: number;
  completionTokens: number;
}

/**
 * The floor: the same I/O as modelbus's JetStream door with none of its logic.
 * consume → POST to the endpoint (keep-alive node:http) → batched INSERT → publish (PubAck) → ack.
 * Streaming (`stream`), it relays each delta on core NATS as it arrives, and stores nothing.
 * With modelbus's store as its storage (the "floorstore" diagnostic) it also claims before the POST.
 */
export class FloorLoop {
  private inFlight = 0;
  private readonly waiters: (() => void)[] = [];
  private messages: ConsumerMessages | undefined;
  private loop: Promise<void> | undefined;
  private readonly js;
  private readonly chatUrl: URL;
  private readonly agent = new Agent({ keepAlive: true });
  failures = 0;

  constructor(private readonly options: FloorLoopOptions) {
    this.js = jetstream(options.nats);
    this.chatUrl = new URL(options.chatUrl);
  }

  async start(): Promise<void> {
    this.messages = await this.options.consumer.consume({ max_messages: this.options.concurrency });
    this.loop = this.run(this.messages);
  }

  private async run(messages: ConsumerMessages): Promise<void> {
    const iterator = messages[Symbol.asyncIterator]();
    for (;;) {
      if (this.inFlight >= this.options.concurrency) await new Promise<void>((resolve) => this.waiters.push(resolve));
      const next = await iterator.next();
      if (next.done) return;
      this.inFlight += 1;
      void this.handle(next.value).finally(() => {
        this.inFlight -= 1;
        this.waiters.shift()?.();
      });
    }
  }

  private async handle(message: JsMsg): Promise<void> {
    try {
      const request = JSON.parse(decoder.decode(message.data)) as FloorRequest;
      const { storage } = this.options;
      const claim = storage.claim ? await storage.claim(request) : undefined;
      const { content, finishReason, promptTokens, completionTokens } = this.options.stream ? await this.relayStream(request) : await this.complete(request);
      const published = JSON.stringify({
        request_id: request.request_id,
        status: "complete",
        finish_reason: finishReason,
        message: { role: "assistant", content },
        token_usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens },
      });
      const answer: FloorAnswer = { content, finishReason, promptTokens, completionTokens, published };
      await storage.save(request, answer, claim);
      await this.js.publish(`${this.options.prefix}.response.${request.request_id}`, published, { msgID: `${request.request_id}:response` });
      message.ack();
    } catch {
      this.failures += 1;
      message.nak(500);
    }
  }

  private async complete(request: FloorRequest): Promise<Completed> {
    const parts: Buffer[] = [];
    await this.post(JSON.stringify({ model: this.options.model, messages: request.messages }), (part) => parts.push(part));
    const completion = JSON.parse(Buffer.concat(parts).toString("utf8")) as {
      choices: { message: { content: string }; finish_reason: string }[];
      usage?: { prompt_tokens: number; completion_tokens: number };
    };
    const choice = completion.choices[0];
    return {
      content: choice?.message.content ?? "",
      finishReason: choice?.finish_reason ?? "stop",
      promptTokens: completion.usage?.prompt_tokens ?? 0,
      completionTokens: completion.usage?.completion_tokens ?? 0,
    };
  }

  /** SSE in, one core NATS chunk per content delta out, as each frame arrives; then `done`. */
  private async relayStream(request: FloorRequest): Promise<Completed> {
    const subject = `${this.options.prefix}.stream.${request.request_id}`;
    const answer: Completed = { content: "", finishReason: "stop", promptTokens: 0, completionTokens: 0 };
    let pending = "";
    await this.post(
      JSON.stringify({ model: this.options.model, messages: request.messages, stream: true, stream_options: { include_usage: true } }),
      (part) => {
        const frames = takeSseData(pending + part.toString("utf8"));
        pending = frames.rest;
        for (const data of frames.data) {
          if (data === "[DONE]") continue;
          const chunk = JSON.parse(data) as {
            choices: { delta: { content?: string }; finish_reason: string | null }[];
            usage?: { prompt_tokens: number; completion_tokens: number } | null;
          };
          const choice = chunk.choices[0];
          const delta = choice?.delta.content;
          if (delta) {
            answer.content += delta;
            this.options.nats.publish(subject, JSON.stringify({ request_id: request.request_id, content_delta: delta }));
          }
          if (choice?.finish_reason) answer.finishReason = choice.finish_reason;
          if (chunk.usage) {
            answer.promptTokens = chunk.usage.prompt_tokens;
            answer.completionTokens = chunk.usage.completion_tokens;
          }
        }
      },
    );
    this.options.nats.publish(subject, JSON.stringify({ request_id: request.request_id, done: true }));
    return answer;
  }

  /** POST to the endpoint over a keep-alive node:http agent (what modelbus's calls use), handing each part of the body to `onPart` as it arrives. */
  private post(body: string, onPart: (part: Buffer) => void): Promise<void> {
    return new Promise((resolve, reject) => {
      const call = httpRequest(this.chatUrl, { method: "POST", agent: this.agent, headers: { "content-type": "application/json" } }, (answer) => {
        if ((answer.statusCode ?? 0) >= 400) {
          answer.resume();
          reject(new Error(`endpoint answered ${answer.statusCode}`));
          return;
        }
        answer.on("data", (part: Buffer) => {
          try {
            onPart(part);
          } catch (error) {
            answer.destroy();
            reject(error);
          }
        });
        answer.on("error", reject);
        answer.on("end", () => resolve());
      });
      call.on("error", reject);
      call.end(body);
    });
  }

  async stop(): Promise<void> {
    await this.messages?.close();
    const deadline = Date.now() + 10_000;
    while (this.inFlight > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    await Promise.race([this.loop, new Promise((resolve) => setTimeout(resolve, 1_000))]);
    this.agent.destroy();
  }
}
