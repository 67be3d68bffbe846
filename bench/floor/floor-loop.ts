import { Agent, request as httpRequest } from "node:http";
import { jetstream, type Consumer, type ConsumerMessages, type JsMsg } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
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
}

const decoder = new TextDecoder();

/**
 * The floor: the same I/O as modelbus's JetStream door with none of its logic.
 * consume → POST to the endpoint (keep-alive node:http) → batched INSERT → publish (PubAck) → ack.
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
      const completion = (await this.post(JSON.stringify({ model: this.options.model, messages: request.messages }))) as {
        choices: { message: { content: string }; finish_reason: string }[];
        usage?: { prompt_tokens: number; completion_tokens: number };
      };
      const choice = completion.choices[0];
      const content = choice?.message.content ?? "";
      const finishReason = choice?.finish_reason ?? "stop";
      const promptTokens = completion.usage?.prompt_tokens ?? 0;
      const completionTokens = completion.usage?.completion_tokens ?? 0;
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

  /** POST to the endpoint over a keep-alive node:http agent (what modelbus's non-streaming calls use); the parsed JSON answer. */
  private post(body: string): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const call = httpRequest(this.chatUrl, { method: "POST", agent: this.agent, headers: { "content-type": "application/json" } }, (answer) => {
        const parts: Buffer[] = [];
        answer.on("data", (part: Buffer) => parts.push(part));
        answer.on("error", reject);
        answer.on("end", () => {
          if ((answer.statusCode ?? 0) >= 400) return reject(new Error(`endpoint answered ${answer.statusCode}`));
          try {
            resolve(JSON.parse(Buffer.concat(parts).toString("utf8")));
          } catch (error) {
            reject(error);
          }
        });
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
