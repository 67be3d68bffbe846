import type { FastifyReply, FastifyRequest } from "fastify";

/**
 * A Server-Sent Events response opened lazily: until the first event, the route can still
 * answer with a normal HTTP status (an error before any token is a real 4xx/5xx, which
 * clients and the openai SDK handle best). Opening takes the reply over from Fastify.
 */
export class SseResponse {
  private opened = false;

  constructor(
    private readonly reply: FastifyReply,
    private readonly headers: Readonly<Record<string, string>> = {},
  ) {}

  get isOpen(): boolean {
    return this.opened;
  }

  /** The client went away: further writes are dropped. */
  get isGone(): boolean {
    return this.reply.raw.destroyed;
  }

  data(value: unknown): void {
    this.write(`data: ${JSON.stringify(value)}\n\n`);
  }

  /** `data: [DONE]`, then the end of the response. */
  done(): void {
    this.write("data: [DONE]\n\n");
    this.end();
  }

  end(): void {
    if (this.opened && !this.reply.raw.writableEnded) this.reply.raw.end();
  }

  private open(): void {
    if (this.opened) return;
    this.opened = true;
    this.reply.hijack();
    this.reply.raw.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache",
      connection: "keep-alive",
      "x-accel-buffering": "no", // proxies (nginx) must not hold deltas back
      ...this.headers,
    });
  }

  private write(text: string): void {
    this.open();
    if (!this.isGone && !this.reply.raw.writableEnded) this.reply.raw.write(text);
  }
}

/** The client asked for SSE: `stream: true` in the body, or `text/event-stream` in Accept. */
export function wantsEventStream(request: FastifyRequest, bodyStream: boolean | null | undefined): boolean {
  if (bodyStream === true) return true;
  return /(^|,)\s*text\/event-stream\s*(;|,|$)/i.test(request.headers.accept ?? "");
}
