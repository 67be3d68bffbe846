/**
 * Streamed calls read their SSE straight off the socket (ProviderHttpClient.postStream → SseEvents)
 * instead of through the `openai` SDK. The SDK stays the reference: every recorded stream, split
 * at random byte offsets and served by a real HTTP server, yields exactly the events the SDK
 * yields for the same bytes; odd bodies, errors and aborts end as the SDK ends them.
 */
import { readdirSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import OpenAI, { APIConnectionError, APIError, RateLimitError } from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ProviderHttpClient } from "../../src/providers/provider-http-client.ts";
import { fixtureBytes, splitBytes } from "./stream-replay-harness.ts";

type Reply = (response: import("node:http").ServerResponse) => void;

let server: Server;
let http: ProviderHttpClient;
let nextReply: Reply = (response) => response.end();

beforeAll(async () => {
  server = createServer((request, response) => {
    request.resume();
    request.on("end", () => nextReply(response));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  http = new ProviderHttpClient({
    baseURL: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    apiKey: "k",
    idleTimeoutMs: 5_000,
    disableKeepAlives: false,
  });
});

afterAll(async () => {
  http.close();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

/** Serves `pieces` as an event stream, one write per piece, each on its own turn of the loop. */
function serve(pieces: readonly (string | Uint8Array)[], contentType = "text/event-stream"): void {
  nextReply = (response) => {
    response.writeHead(200, { "content-type": contentType });
    let next = 0;
    const write = () => {
      if (next >= pieces.length) return void response.end();
      response.write(pieces[next++] as string | Uint8Array, () => setImmediate(write));
    };
    write();
  };
}

async function viaSocket(signal = new AbortController().signal, onEvent?: (event: unknown) => void): Promise<unknown[]> {
  const events: unknown[] = [];
  for await (const event of await http.postStream("chat/completions", "{}", signal, 5_000)) {
    events.push(event);
    onEvent?.(event);
  }
  return events;
}

async function viaSdk(pieces: readonly Uint8Array[]): Promise<unknown[]> {
  let next = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      const piece = pieces[next++];
      if (piece) controller.enqueue(piece);
      else controller.close();
    },
  });
  const client = new OpenAI({
    baseURL: "http://fixture.test/v1",
    apiKey: "x",
    maxRetries: 0,
    fetch: async () => new Response(body, { headers: { "content-type": "text/event-stream" } }),
  });
  const events: unknown[] = [];
  for await (const event of await client.chat.completions.create({ model: "m", messages: [], stream: true })) events.push(event);
  return events;
}

async function caught(run: () => Promise<unknown>): Promise<unknown> {
  try {
    await run();
  } catch (error) {
    return error;
  }
  return undefined;
}

const frame = (value: unknown) => `data: ${JSON.stringify(value)}\n\n`;
const chunk = (content: string) => ({
  id: "c",
  object: "chat.completion.chunk",
  created: 1,
  model: "m",
  choices: [{ index: 0, delta: { content }, finish_reason: null }],
});

describe("SseEvents: the SDK's events, off the socket", () => {
  const fixtures = readdirSync(new URL("../fixtures/sse/", import.meta.url)).filter((name) => name.endsWith(".sse"));

  it.each(fixtures)("yields what the SDK yields for %s, however the bytes are split (LF and CRLF)", async (name) => {
    const lf = fixtureBytes(name);
    const crlf = new TextEncoder().encode(new TextDecoder().decode(lf).replaceAll("\n", "\r\n"));
    for (const bytes of [lf, crlf]) {
      const expected = await viaSdk([bytes]);
      expect(expected.length).toBeGreaterThan(0);
      for (const seed of [7, 13, 99]) {
        const pieces = splitBytes(bytes, seed);
        serve(pieces);
        expect(await viaSocket()).toEqual(expected);
        expect(await viaSdk(pieces)).toEqual(expected);
      }
    }
  });

  it("skips comments, joins multi-line data, ignores everything after [DONE], drops an unterminated last event", async () => {
    serve([": keep-alive\n\n", 'data: {"a":\ndata: 1}\n\n', "event: ignored\ndata: [DONE]\n\n", frame({ after: true }), 'data: {"never":"terminated"}']);
    expect(await viaSocket()).toEqual([{ a: 1 }]);
  });

  it("throws an APIError without status on an error frame, after the events before it", async () => {
    serve([frame(chunk("Hal")), 'data: {"error":{"message":"upstream overloaded","type":"server_error","code":502}}\n\n', frame(chunk("never"))]);
    const events: unknown[] = [];
    const error = await caught(() => viaSocket(undefined, (event) => events.push(event)));
    expect(error).toBeInstanceOf(APIError);
    expect((error as APIError).status).toBeUndefined();
    expect((error as APIError).message).toBe("upstream overloaded");
    expect(events).toEqual([chunk("Hal")]);
  });

  it("throws the SyntaxError of data that is not JSON", async () => {
    serve(["data: {not json\n\n"]);
    expect(await caught(() => viaSocket())).toBeInstanceOf(SyntaxError);
  });

  it("yields nothing for a JSON body sent to a streaming request", async () => {
    serve([JSON.stringify({ id: "c", object: "chat.completion", choices: [] })], "application/json");
    expect(await viaSocket()).toEqual([]);
  });

  it("rejects a status ≥ 400 as the SDK does, with the body and headers (Retry-After)", async () => {
    nextReply = (response) =>
      response
        .writeHead(429, { "content-type": "application/json", "retry-after": "2" })
        .end(JSON.stringify({ error: { message: "slow down", type: "rate_limit" } }));
    const error = await caught(() => viaSocket());
    expect(error).toBeInstanceOf(RateLimitError);
    expect((error as RateLimitError).message).toBe("429 slow down");
    expect((error as RateLimitError).headers?.get("retry-after")).toBe("2");
  });

  it("ends quietly when the signal aborts mid-stream, and closes the connection", async () => {
    let closed = false;
    nextReply = (response) => {
      response.on("close", () => (closed = true));
      response.writeHead(200, { "content-type": "text/event-stream" }).write(frame(chunk("Hal")));
    };
    const controller = new AbortController();
    const events = await viaSocket(controller.signal, () => controller.abort());
    expect(events).toEqual([chunk("Hal")]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(closed).toBe(true);
  });

  it("throws APIConnectionError when the socket dies mid-stream", async () => {
    nextReply = (response) => {
      response.writeHead(200, { "content-type": "text/event-stream" }).write(frame(chunk("Hal")), () => setTimeout(() => response.socket?.destroy(), 20));
    };
    expect(await caught(() => viaSocket())).toBeInstanceOf(APIConnectionError);
  });

  it("stops reading while the reader lags and loses nothing", async () => {
    serve(Array.from({ length: 2_000 }, (_, index) => frame(chunk(String(index)))));
    let seen = 0;
    for await (const event of await http.postStream("chat/completions", "{}", new AbortController().signal, 5_000)) {
      expect((event as ReturnType<typeof chunk>).choices[0]?.delta.content).toBe(String(seen));
      seen += 1;
      if (seen % 500 === 0) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(seen).toBe(2_000);
  });
});
