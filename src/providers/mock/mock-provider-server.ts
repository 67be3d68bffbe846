/**
 * A real node:http server speaking enough of the OpenAI Chat Completions API for the
 * official `openai` SDK to work against it unchanged. Used by `npm start` (no API key
 * needed), by tests (scriptable, records every request, measures concurrency) and by
 * benchmarks (no per-request logging, no sync work beyond JSON).
 *
 *   POST /v1/chat/completions   JSON or SSE (`stream: true`)
 *   POST /v1/responses          the Responses API, JSON or SSE events (mock-responses-api.ts)
 *   GET  /v1/models             "mock" plus every model seen
 *   /__mock/*                   the scripting API over HTTP (route-mock-admin.ts)
 *   anything else               404 with an OpenAI error body
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { chooseMockBehaviour } from "./choose-mock-behaviour.ts";
import type { MockBehaviour } from "./mock-behaviour.ts";
import { MockBehaviourQueue } from "./mock-behaviour-queue.ts";
import { MockTrafficLog, type MockTrafficStats, type RecordedRequest } from "./mock-traffic-log.ts";
import { mockResponsesBody, mockResponsesCutFrames, mockResponsesFrames, parseMockResponsesRequest, type MockResponsesRequest } from "./mock-responses-api.ts";
import { parseMockChatRequest, type MockChatRequest, type ParseMockChatResult } from "./parse-mock-chat-request.ts";
import { readJsonBody } from "./read-json-body.ts";
import { chatCompletionsFormat, respondMockChat, type MockWireFormat } from "./respond-mock-chat.ts";
import type { MockCompletionMeta } from "./build-mock-reply.ts";
import { routeMockAdmin } from "./route-mock-admin.ts";
import { writeMockJson, writeOpenAIError } from "./write-mock-json.ts";

export interface MockProviderServerOptions {
  /** Interface to bind; default 127.0.0.1. */
  readonly host?: string;
  /** Port to bind; default 0 (a random free port). */
  readonly port?: number;
  /** Recorded requests kept in memory (oldest dropped first); default 10 000, 0 records none. */
  readonly maxRecordedRequests?: number;
}

export type MockProviderStats = MockTrafficStats & { readonly pending: Readonly<Record<string, number>> };

function urlHost(address: AddressInfo): string {
  if (address.address === "0.0.0.0" || address.address === "::") return "127.0.0.1";
  return address.family === "IPv6" ? `[${address.address}]` : address.address;
}

function listen(server: Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve(server.address() as AddressInfo);
    });
  });
}

export class MockProviderServer {
  /** Base URL for OpenAI clients, ending in `/v1`, e.g. `http://127.0.0.1:43123/v1`. */
  readonly url: string;
  readonly #server: Server;
  readonly #queue = new MockBehaviourQueue();
  readonly #log: MockTrafficLog;
  #counter = 0;
  #closed: Promise<void> | undefined;

  private constructor(server: Server, url: string, maxRecordedRequests: number) {
    this.#server = server;
    this.url = url;
    this.#log = new MockTrafficLog(maxRecordedRequests);
  }

  static async start(options: MockProviderServerOptions = {}): Promise<MockProviderServer> {
    const server = createServer();
    server.keepAliveTimeout = 65_000;
    server.headersTimeout = 66_000;
    server.requestTimeout = 0; // `hang` must be able to outlive any server-side limit
    const address = await listen(server, options.port ?? 0, options.host ?? "127.0.0.1");
    const mock = new MockProviderServer(server, `http://${urlHost(address)}:${address.port}/v1`, options.maxRecordedRequests ?? 10_000);
    server.on("request", (req: IncomingMessage, res: ServerResponse) => mock.#route(req, res));
    return mock;
  }

  /** Queues behaviours for requests of `model` ("*" = any model), consumed FIFO; a model's own queue wins over "*". */
  enqueue(model: string, ...behaviours: MockBehaviour[]): void {
    this.#queue.enqueue(model, behaviours);
  }

  /** Forgets queued behaviours, recorded requests, seen models and stats. */
  reset(): void {
    this.#queue.clear();
    this.#log.clear();
  }

  /** Chat requests received (a snapshot, oldest first). */
  get requests(): readonly RecordedRequest[] {
    return this.#log.records;
  }

  requestsFor(model: string): RecordedRequest[] {
    return this.#log.recordsFor(model);
  }

  /** Chat requests currently being answered (delayed, hanging or streaming included). */
  get inFlight(): number {
    return this.#log.inFlight;
  }

  /** Highest number of concurrent chat requests seen, overall or for one model. */
  maxInFlight(model?: string): number {
    return this.#log.maxInFlight(model);
  }

  /** Restarts the in-flight maxima and request counts (queues and records stay). */
  resetStats(): void {
    this.#log.resetStats();
  }

  stats(): MockProviderStats {
    return { ...this.#log.stats(), pending: this.#queue.pending() };
  }

  /** Stops listening and destroys every open socket, hanging requests included. */
  close(): Promise<void> {
    this.#closed ??= new Promise<void>((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    }).then(() => this.#log.drained());
    return this.#closed;
  }

  #route(req: IncomingMessage, res: ServerResponse): void {
    const url = req.url ?? "/";
    const query = url.indexOf("?");
    const key = `${req.method ?? "GET"} ${query === -1 ? url : url.slice(0, query)}`;
    if (key === "POST /v1/chat/completions") {
      this.#answer(req, res, "chatcmpl", parseMockChatRequest, chatCompletionsFormat).catch(() => res.destroy());
    } else if (key === "POST /v1/responses") {
      this.#answer(req, res, "resp", parseMockResponsesRequest, responsesFormat).catch(() => res.destroy());
    } else if (key === "GET /v1/models") {
      this.#models(res);
    } else if (!routeMockAdmin(key, req, res, this)) {
      writeOpenAIError(res, 404, `Unknown request URL: ${key}. Please check the URL and method.`);
    }
  }

  #models(res: ServerResponse): void {
    const ids = ["mock", ...this.#log.models.filter((model) => model !== "mock")];
    const data = ids.map((id) => ({ id, object: "model", created: 0, owned_by: "modelbus-mock" }));
    writeMockJson(res, 200, { object: "list", data });
  }

  async #answer<Request extends MockChatRequest>(
    req: IncomingMessage,
    res: ServerResponse,
    idPrefix: string,
    parse: (body: unknown) => ParseMockChatResult<Request>,
    formatFor: (request: Request, meta: MockCompletionMeta) => MockWireFormat,
  ): Promise<void> {
    const body = await readJsonBody(req);
    if (!body.ok) {
      writeOpenAIError(res, body.status, body.message, { code: body.status === 400 ? "invalid_json" : null });
      return;
    }
    const parsed = parse(body.value);
    if (!parsed.ok) {
      writeOpenAIError(res, 400, parsed.message, { code: `invalid_${parsed.param.replace(/\.\d+$/, "")}` });
      return;
    }
    const { request } = parsed;
    const end = this.#log.begin(request.model, body.value, req.headers);
    res.once("close", () => end(res.writableFinished));
    if (req.socket.destroyed) end(false);
    const n = (this.#counter += 1);
    const meta = { id: `${idPrefix}-mock-${n}`, created: Math.floor(Date.now() / 1000), model: request.model, callIdPrefix: `call_mock_${n}` };
    const behaviour = this.#queue.take(request.model) ?? chooseMockBehaviour(request);
    respondMockChat(res, behaviour, { request, meta, headers: { "x-request-id": `req_mock_${n}` }, format: formatFor(request, meta) });
  }
}

/** The Responses API (`response` objects and their SSE events). */
function responsesFormat(request: MockResponsesRequest, meta: MockCompletionMeta): MockWireFormat {
  return {
    body: (reply) => mockResponsesBody(reply, request, meta),
    frames: (reply) => mockResponsesFrames(reply, request, meta),
    cutFrames: (content, afterChunks) => mockResponsesCutFrames(content, meta, afterChunks),
    isPiece: (frame) => /^event: response\.[a-z_.]+\.delta\n/.test(frame),
  };
}
