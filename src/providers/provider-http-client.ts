import { Agent as HttpAgent, request as httpRequest, type ClientRequestArgs, type IncomingHttpHeaders, type IncomingMessage } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import type { Duplex } from "node:stream";
import OpenAI from "openai";
import { SseEvents } from "./stream/sse-events.ts";

/**
 * Opens one connection to the endpoint, in place of the pool's own TCP (or TLS) connect. The
 * test seam: a test hands back a socket to a server that replays recorded responses, and
 * everything above the socket (URL, headers, pool, reading the answer) runs as in production.
 */
export type ProviderConnect = (options: ClientRequestArgs) => Duplex;

/** How one endpoint's connections behave (semstreams' per-endpoint HTTP transport keys). */
export interface ProviderHttpClientOptions {
  readonly baseURL: string;
  readonly apiKey: string | undefined;
  /** Sent on every call besides content type and authorization (the SDK's identity headers). */
  readonly extraHeaders?: Readonly<Record<string, string>>;
  /** `idle_conn_timeout`: an unused keep-alive connection is closed after this long. */
  readonly idleTimeoutMs: number;
  /** `response_header_timeout`: an attempt fails (retryably) when no response headers arrived in time. */
  readonly responseHeaderTimeoutMs?: number | undefined;
  /** `disable_keepalives`: a fresh connection per call. */
  readonly disableKeepAlives: boolean;
  /** Sees the headers of every response (the provider's rate-limit report, provider-rate-limits.ts). */
  readonly onResponseHeaders?: ((headers: IncomingHttpHeaders) => void) | undefined;
  /** Tests only: see ProviderConnect. */
  readonly connect?: ProviderConnect | undefined;
}

function headersOf(response: IncomingMessage): Headers {
  const headers = new Headers();
  const raw = response.rawHeaders;
  for (let index = 0; index + 1 < raw.length; index += 2) {
    try {
      headers.append(raw[index] as string, raw[index + 1] as string);
    } catch {
      // A header value Headers refuses cannot be one we read.
    }
  }
  return headers;
}

/** The SDK's `safeJSON`: the parsed body, or undefined when it is not JSON. */
function safeJSON(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * The success body the way the SDK's `defaultParseResponse` reads it: null for 204, JSON for
 * a JSON media type (a body that does not parse throws its SyntaxError; `content-length: 0`
 * gives undefined), the text otherwise.
 */
function successBody(response: IncomingMessage, text: string): unknown {
  if (response.statusCode === 204) return null;
  const mediaType = response.headers["content-type"]?.split(";")[0]?.trim();
  const isJSON = mediaType !== undefined && (mediaType.includes("application/json") || mediaType.endsWith("+json"));
  if (!isJSON) return text;
  if (response.headers["content-length"] === "0") return undefined;
  return JSON.parse(text);
}

/** The SDK's test for a failed request that was a timeout rather than another socket error. */
function looksLikeTimeout(error: Error): boolean {
  return /timed? ?out/i.test(String(error) + ("cause" in error ? String(error.cause) : ""));
}

/** How a response reader settles its call (ProviderHttpClient's #post). */
interface PostCall {
  finish(error: unknown, value?: unknown, onLaterAbort?: () => void): void;
  fail(error: unknown): void;
  settled(): boolean;
}

/** The whole body as text, then `onText`; a socket failure or a body cut short fails the call. */
function readWhole(response: IncomingMessage, call: PostCall, onText: (text: string) => void): void {
  const chunks: Buffer[] = [];
  response.on("data", (chunk: Buffer) => chunks.push(chunk));
  response.on("error", (error: Error) => call.fail(new OpenAI.APIConnectionError({ cause: error })));
  response.on("aborted", () => call.fail(new OpenAI.APIConnectionError({ cause: new Error("aborted") })));
  response.on("end", () => {
    if (call.settled()) return;
    if (!response.complete) return call.fail(new OpenAI.APIConnectionError({ cause: new Error("aborted") }));
    onText(Buffer.concat(chunks).toString("utf8"));
  });
}

/** A status ≥ 400 as the SDK reports it: `APIError.generate` over the body (JSON when it parses). */
function apiErrorOf(response: IncomingMessage, text: string): Error {
  const errorJSON = safeJSON(text);
  return OpenAI.APIError.generate(response.statusCode ?? 0, errorJSON as object | undefined, errorJSON ? undefined : text, headersOf(response));
}

/** Not "timed out": the SDK would call it the request's deadline, which is not retried. */
const noHeadersError = (ms: number) => new Error(`no response headers within ${ms}ms (response_header_timeout)`);

/**
 * The HTTP client to one provider endpoint: a connection pool with the endpoint's transport settings, used by
 * `postJson` (a call answered with one JSON body) and `postStream` (a streamed call), each one
 * POST read as the `openai` SDK reads it, so every call to the endpoint shares one pool and
 * one set of rules.
 */
export class ProviderHttpClient {
  readonly #base: string;
  readonly #request: typeof httpRequest;
  readonly #agent: HttpAgent;
  readonly #headers: Readonly<Record<string, string>>;
  readonly #responseHeaderTimeoutMs: number | undefined;
  readonly #onResponseHeaders: ((headers: IncomingHttpHeaders) => void) | undefined;
  /** Parsed once per path: a non-streaming call should not pay for a URL parse. */
  readonly #urls = new Map<string, URL>();

  /** Throws a TypeError when `baseURL` is not an http(s) URL. */
  constructor(options: ProviderHttpClientOptions) {
    const base = new URL(options.baseURL);
    if (base.protocol !== "http:" && base.protocol !== "https:") throw new TypeError(`not an http(s) URL: ${options.baseURL}`);
    this.#base = options.baseURL.endsWith("/") ? options.baseURL.slice(0, -1) : options.baseURL;
    const https = base.protocol === "https:";
    const agentOptions = { keepAlive: !options.disableKeepAlives, ...(options.idleTimeoutMs > 0 ? { timeout: options.idleTimeoutMs } : {}) };
    this.#request = https ? (httpsRequest as unknown as typeof httpRequest) : httpRequest;
    this.#agent = https ? new HttpsAgent(agentOptions) : new HttpAgent(agentOptions);
    const connect = options.connect;
    if (connect) this.#agent.createConnection = (args) => connect(args);
    this.#responseHeaderTimeoutMs = options.responseHeaderTimeoutMs || undefined;
    this.#onResponseHeaders = options.onResponseHeaders;
    this.#headers = {
      "content-type": "application/json",
      accept: "application/json",
      ...options.extraHeaders,
      ...(options.apiKey === undefined || options.apiKey === "" ? {} : { authorization: `Bearer ${options.apiKey}` }),
    };
  }

  /** `${baseURL}/${path}` as the SDK builds it (one slash between the two). */
  url(path: string): URL {
    let url = this.#urls.get(path);
    if (url === undefined) {
      url = new URL(`${this.#base}/${path}`);
      this.#urls.set(path, url);
    }
    return url;
  }

  /** Closes idle connections (a stopping service). */
  close(): void {
    this.#agent.destroy();
  }

  /**
   * POSTs one JSON body and resolves with the response body, read as the `openai` SDK reads
   * it. Failures reject with the SDK's own error classes, so that classifyProviderError maps
   * them exactly as it maps the SDK's: a status ≥ 400 → `APIError.generate(status, body,
   * message, headers)`; a socket error or missing response headers → `APIConnectionError`
   * (`APIConnectionTimeoutError` when the socket says it timed out); `timeoutMs` passing
   * before the body is complete → `APIConnectionTimeoutError`; the signal →
   * `APIUserAbortError`; a 2xx JSON body that does not parse → its SyntaxError.
   */
  postJson(path: string, body: string, signal: AbortSignal, timeoutMs: number, headers?: Readonly<Record<string, string>>): Promise<unknown> {
    return this.#post(path, body, signal, timeoutMs, headers, (response, call) =>
      readWhole(response, call, (text) => {
        if ((response.statusCode ?? 0) >= 400) return call.finish(apiErrorOf(response, text));
        let parsed: unknown;
        try {
          parsed = successBody(response, text);
        } catch (error) {
          return call.finish(error);
        }
        call.finish(undefined, parsed);
      }),
    );
  }

  /**
   * POSTs one JSON body asking for a stream, and resolves once a 2xx response's headers
   * arrive with its events, read off the socket as they come (SseEvents: what the SDK's
   * `Stream` yields, without the SDK's request and web-stream layers between the socket and
   * the first token). Before the headers it fails as `postJson` does (`timeoutMs` covers
   * only that wait, as the SDK's timeout does for a stream); after them the signal ends the
   * events quietly, as the SDK's stream ends on an abort.
   */
  postStream(path: string, body: string, signal: AbortSignal, timeoutMs: number, headers?: Readonly<Record<string, string>>): Promise<AsyncIterable<unknown>> {
    return this.#post(path, body, signal, timeoutMs, headers, (response, call) => {
      if ((response.statusCode ?? 0) >= 400) {
        readWhole(response, call, (text) => call.finish(apiErrorOf(response, text)));
        return;
      }
      const events = new SseEvents(response, () => headersOf(response));
      call.finish(undefined, events, () => events.end());
    });
  }

  /**
   * One POST over the pool: the abort, the timeout and the response-header timeout, socket
   * errors; `read` takes the response and settles the call. `finish` may leave a handler for
   * an abort that comes after it (a stream still being read).
   */
  #post<T>(
    path: string,
    body: string,
    signal: AbortSignal,
    timeoutMs: number,
    headers: Readonly<Record<string, string>> | undefined,
    read: (response: IncomingMessage, call: PostCall) => void,
  ): Promise<T> {
    if (signal.aborted) return Promise.reject(new OpenAI.APIUserAbortError());
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      let lateAbort: (() => void) | undefined;
      const finish = (error: unknown, value?: unknown, onLaterAbort?: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        clearTimeout(headerTimer);
        if (onLaterAbort) lateAbort = onLaterAbort;
        else signal.removeEventListener("abort", onAbort);
        if (error === undefined) resolve(value as T);
        else reject(error);
      };
      const fail = (error: unknown) => {
        if (settled) return;
        finish(error);
        outgoing.destroy();
      };
      const onAbort = () => {
        if (lateAbort) {
          lateAbort();
          outgoing.destroy();
        } else fail(new OpenAI.APIUserAbortError());
      };
      const timer = setTimeout(() => fail(new OpenAI.APIConnectionTimeoutError()), Math.max(1, Math.ceil(timeoutMs)));
      const headerMs = this.#responseHeaderTimeoutMs;
      const headerTimer = headerMs ? setTimeout(() => fail(new OpenAI.APIConnectionError({ cause: noHeadersError(headerMs) })), headerMs) : undefined;
      signal.addEventListener("abort", onAbort, { once: true });

      const outgoing = this.#request(
        this.url(path),
        { method: "POST", agent: this.#agent, headers: { ...this.#headers, ...headers, "content-length": Buffer.byteLength(body) } },
        (response) => {
          clearTimeout(headerTimer);
          this.#onResponseHeaders?.(response.headers);
          read(response, { finish, fail, settled: () => settled });
        },
      );
      outgoing.on("error", (error: Error) =>
        fail(looksLikeTimeout(error) ? new OpenAI.APIConnectionTimeoutError() : new OpenAI.APIConnectionError({ cause: error })),
      );
      outgoing.end(body);
    });
  }
}
