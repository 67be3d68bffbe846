import type { IncomingMessage } from "node:http";
import { StringDecoder } from "node:string_decoder";
import OpenAI from "openai";

/** Events held before the response is paused until the reader catches up. */
const highWater = 256;
const eventBoundary = /\r\n\r\n|\n\n|\r\r/;

/**
 * A provider's SSE response body as the events the `openai` SDK's `Stream` yields, read straight
 * off the socket: each event's `data` lines joined and parsed as JSON; `data: [DONE]` ends the
 * stream (later events are ignored); an event whose data carries `error` throws the SDK's
 * `APIError`; data that is not JSON throws its SyntaxError; comments and an unterminated last
 * event are dropped. The stream ends quietly when the body ends (a cut stream is for the caller
 * to judge) and when `end()` is called (an abort, as the SDK ends on one); a socket failure
 * throws `APIConnectionError`. Leaving the iteration early destroys the response.
 */
export class SseEvents implements AsyncIterable<unknown> {
  readonly #response: IncomingMessage;
  readonly #headers: () => Headers;
  readonly #decoder = new StringDecoder("utf8");
  readonly #queue: unknown[] = [];
  #buffer = "";
  #done = false;
  #ended = false;
  #failure: unknown;
  #wake: (() => void) | undefined;

  /** `headers` is asked only when an error frame needs them (most streams have none). */
  constructor(response: IncomingMessage, headers: () => Headers) {
    this.#response = response;
    this.#headers = headers;
    response.on("data", (part: Buffer) => this.#read(this.#decoder.write(part)));
    response.on("end", () => this.end());
    response.on("error", (error: Error) => this.#fail(new OpenAI.APIConnectionError({ cause: error })));
    response.on("aborted", () => this.#fail(new OpenAI.APIConnectionError({ cause: new Error("aborted") })));
  }

  /** No more events: what is queued is still read, then the iteration ends. */
  end(): void {
    this.#ended = true;
    this.#notify();
  }

  #fail(error: unknown): void {
    if (this.#ended || this.#failure !== undefined) return;
    this.#failure = error;
    this.#notify();
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  #read(text: string): void {
    if (this.#ended || this.#failure !== undefined) return;
    this.#buffer += text;
    for (let match = eventBoundary.exec(this.#buffer); match !== null; match = eventBoundary.exec(this.#buffer)) {
      const event = this.#buffer.slice(0, match.index);
      this.#buffer = this.#buffer.slice(match.index + match[0].length);
      try {
        this.#event(event);
      } catch (error) {
        this.#fail(error);
        this.#response.destroy();
        return;
      }
    }
    if (this.#queue.length >= highWater) this.#response.pause();
    this.#notify();
  }

  /** One event's lines, as the SDK's SSEDecoder reads them: `data:` lines joined by "\n". */
  #event(text: string): void {
    let data: string | undefined;
    for (const raw of text.split(/\r\n|\n|\r/)) {
      if (raw === "" || raw.startsWith(":")) continue;
      const colon = raw.indexOf(":");
      const field = colon === -1 ? raw : raw.slice(0, colon);
      if (field !== "data") continue;
      let value = colon === -1 ? "" : raw.slice(colon + 1);
      if (value.startsWith(" ")) value = value.slice(1);
      data = data === undefined ? value : `${data}\n${value}`;
    }
    if (data === undefined || this.#done) return;
    if (data.startsWith("[DONE]")) {
      this.#done = true;
      return;
    }
    const parsed = JSON.parse(data) as { error?: unknown } | null;
    if (parsed && parsed.error) throw new OpenAI.APIError(undefined, parsed.error as object, undefined, this.#headers());
    this.#queue.push(parsed);
  }

  [Symbol.asyncIterator](): AsyncIterator<unknown> {
    return {
      next: async () => {
        for (;;) {
          if (this.#queue.length > 0) {
            const value = this.#queue.shift();
            if (this.#queue.length < highWater / 2 && this.#response.isPaused()) this.#response.resume();
            return { value, done: false };
          }
          if (this.#failure !== undefined) throw this.#failure;
          if (this.#ended) return { value: undefined, done: true };
          await new Promise<void>((resolve) => (this.#wake = resolve));
        }
      },
      return: async () => {
        this.end();
        this.#response.destroy();
        return { value: undefined, done: true };
      },
    };
  }
}
