import { setMaxListeners } from "node:events";
import type { Consumer, ConsumerMessages, JsMsg } from "@nats-io/jetstream";
import { ModelbusError } from "../../core/modelbus-error.ts";
import type { Logger } from "../../observability/logger.ts";
import { handleDelivery, type DeliveryDependencies } from "./handle-delivery.ts";
import { Slots } from "./slots.ts";

export interface RequestConsumerOptions {
  readonly consumer: Consumer;
  readonly concurrency: number;
  readonly delivery: DeliveryDependencies;
  readonly logger: Logger;
}

/**
 * The pull loop: takes a slot, then the next delivery, and works on up to `concurrency`
 * deliveries at once. Stopping closes the pull, lets in-flight work finish until the
 * deadline, then cancels the rest (their deliveries are nak'd, never left hanging).
 */
export class RequestConsumer {
  private readonly slots: Slots;
  private readonly cancel = new AbortController();
  private messages: ConsumerMessages | undefined;
  private loop: Promise<void> | undefined;
  private stopping = false;

  constructor(private readonly options: RequestConsumerOptions) {
    this.slots = new Slots(options.concurrency);
    // Every in-flight delivery listens on this one signal (up to `concurrency` at once), so
    // Node's default of 10 would log a false "possible memory leak" warning under load.
    setMaxListeners(0, this.cancel.signal);
  }

  get inFlight(): number {
    return this.slots.inUse;
  }

  async start(): Promise<void> {
    this.messages = await this.options.consumer.consume({ max_messages: this.options.concurrency });
    this.loop = this.run(this.messages);
  }

  private async run(messages: ConsumerMessages): Promise<void> {
    const iterator = messages[Symbol.asyncIterator]();
    for (;;) {
      await this.slots.acquire();
      const next = await iterator.next();
      if (next.done) {
        this.slots.release();
        return;
      }
      const message: JsMsg = next.value;
      if (this.stopping) {
        message.nak();
        this.slots.release();
        continue;
      }
      void this.work(message);
    }
  }

  private async work(message: JsMsg): Promise<void> {
    try {
      await handleDelivery(message, this.options.delivery, this.cancel.signal);
    } catch (error) {
      // handleDelivery settles every path itself; reaching here is a bug, so hand the work back.
      this.options.logger.error({ err: error }, "delivery failed unexpectedly");
      message.nak(this.options.delivery.nakDelayMs);
    } finally {
      this.slots.release();
    }
  }

  /** Stop pulling, finish what is in flight within deadlineMs, cancel (and nak) the rest. */
  async stop(deadlineMs: number): Promise<{ finished: boolean }> {
    this.stopping = true;
    // Not awaited before the deadline starts: the pull is only closed once the loop takes its
    // next item, and with every slot busy the loop waits for a slot, so awaiting here made
    // the deadline wait for in-flight work (a hanging provider: its whole request timeout).
    const closing = this.messages?.close().catch(() => undefined);
    const drained = await Promise.race([
      this.slots.idle().then(() => true),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(false), deadlineMs).unref()),
    ]);
    if (!drained) {
      this.options.logger.warn({ in_flight: this.slots.inUse }, "shutdown deadline reached; cancelling in-flight requests");
      this.cancel.abort(new ModelbusError({ code: "E_CANCELLED", message: "service shutting down" }));
      await Promise.race([this.slots.idle(), new Promise((resolve) => setTimeout(resolve, 2_000).unref())]);
    }
    await Promise.race([Promise.all([closing, this.loop]), new Promise((resolve) => setTimeout(resolve, 2_000).unref())]);
    return { finished: drained };
  }
}
