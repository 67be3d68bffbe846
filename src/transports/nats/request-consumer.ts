import { setMaxListeners } from "node:events";
import type { Consumer, ConsumerMessages, JsMsg } from "@nats-io/jetstream";
import pLimit, { type LimitFunction } from "p-limit";
import { ModelbusError } from "../../core/modelbus-error.ts";
import type { Logger } from "../../observability/logger.ts";
import { serveNatsDelivery, type DeliveryDependencies } from "./serve-nats-delivery.ts";

export interface RequestConsumerOptions {
  readonly consumer: Consumer;
  readonly concurrency: number;
  readonly delivery: DeliveryDependencies;
  readonly logger: Logger;
}

/**
 * Takes one of the limiter's slots and holds it until the returned `release` is called, so the
 * pull loop can hold a slot from before it pulls a delivery until that delivery is settled.
 */
function takeSlot(limit: LimitFunction): Promise<() => void> {
  return new Promise((granted) => {
    void limit(() => new Promise<void>((release) => granted(release)));
  });
}

/**
 * The pull loop: takes a slot, then the next delivery, and works on up to `concurrency`
 * deliveries at once. Stopping closes the pull, lets in-flight work finish until the
 * deadline, then cancels the rest (their deliveries are nak'd, never left hanging).
 */
export class RequestConsumer {
  /** Bounds how many deliveries this process works on at once. */
  private readonly slots: LimitFunction;
  private readonly cancel = new AbortController();
  private messages: ConsumerMessages | undefined;
  private loop: Promise<void> | undefined;
  private stopping = false;

  constructor(private readonly options: RequestConsumerOptions) {
    this.slots = pLimit(options.concurrency);
    // Every in-flight delivery listens on this one signal (up to `concurrency` at once), so
    // Node's default of 10 would log a false "possible memory leak" warning under load.
    setMaxListeners(0, this.cancel.signal);
  }

  get inFlight(): number {
    return this.slots.activeCount;
  }

  async start(): Promise<void> {
    this.messages = await this.options.consumer.consume({ max_messages: this.options.concurrency });
    this.loop = this.run(this.messages);
  }

  private async run(messages: ConsumerMessages): Promise<void> {
    const iterator = messages[Symbol.asyncIterator]();
    for (;;) {
      const release = await takeSlot(this.slots);
      const next = await iterator.next();
      if (next.done) {
        release();
        return;
      }
      const message: JsMsg = next.value;
      if (this.stopping) {
        message.nak();
        release();
        continue;
      }
      void this.work(message, release);
    }
  }

  private async work(message: JsMsg, release: () => void): Promise<void> {
    try {
      await serveNatsDelivery(message, this.options.delivery, this.cancel.signal);
    } catch (error) {
      // serveNatsDelivery settles every path itself; reaching here is a bug, so hand the work back.
      this.options.logger.error({ err: error }, "delivery failed unexpectedly");
      message.nak(this.options.delivery.nakDelayMs);
    } finally {
      release();
    }
  }

  /** Stop pulling, finish what is in flight within deadlineMs, cancel (and nak) the rest. */
  async stop(deadlineMs: number): Promise<{ finished: boolean }> {
    this.stopping = true;
    // Not awaited before the deadline starts: the pull is only closed once the loop takes its
    // next item, and with every slot busy the loop waits for a slot, so awaiting here made
    // the deadline wait for in-flight work (a hanging provider: its whole request timeout).
    const closing = this.messages?.close().catch(() => undefined);
    const drained = await Promise.race([this.idle().then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), deadlineMs).unref())]);
    if (!drained) {
      this.options.logger.warn({ in_flight: this.slots.activeCount }, "shutdown deadline reached; cancelling in-flight requests");
      this.cancel.abort(new ModelbusError({ code: "E_CANCELLED", message: "service shutting down" }));
      await Promise.race([this.idle(), new Promise((resolve) => setTimeout(resolve, 2_000).unref())]);
    }
    await Promise.race([Promise.all([closing, this.loop]), new Promise((resolve) => setTimeout(resolve, 2_000).unref())]);
    return { finished: drained };
  }

  /** Resolves when every slot is free again. */
  private async idle(): Promise<void> {
    while (this.slots.activeCount > 0) await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
