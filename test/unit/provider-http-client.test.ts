/**
 * ProviderHttpClient over recorded provider responses: each fixture in
 * test/fixtures/provider-http/ is the bytes a provider sent (status line, headers, body),
 * replayed by a local server. The non-streaming path (postJson) must read every one of them
 * exactly as the `openai` SDK reads it (through its own fetch, from the same server), success
 * bodies and errors alike, so the two classify the same. The connection comes through the `connect`
 * seam, so URL, headers, pool and parsing run as in production.
 */
import { readdirSync, readFileSync } from "node:fs";
import { connect as netConnect, createServer, type AddressInfo, type Server, type Socket } from "node:net";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { endpointSchema } from "../../src/config/config-schema.ts";
import { agentRequestSchema } from "../../src/core/agent-request.ts";
import type { StreamDelta } from "../../src/core/chat-provider.ts";
import { ModelbusError } from "../../src/core/modelbus-error.ts";
import { classifyProviderError } from "../../src/providers/classify-provider-error.ts";
import { OpenAIChatProvider } from "../../src/providers/openai-chat-provider.ts";
import { ProviderHttpClient, type ProviderConnect } from "../../src/providers/provider-http-client.ts";

const fixtureDir = new URL("../fixtures/provider-http/", import.meta.url);
const fixture = (name: string) => readFileSync(new URL(name, fixtureDir));
const sseFixture = (name: string) => readFileSync(new URL(`../fixtures/sse/${name}`, import.meta.url));
const fixtureNames = readdirSync(fixtureDir)
  .filter((name) => name.endsWith(".http"))
  .sort();
/**
 * The one place the two paths part: a body cut short by the connection closing. The SDK's
 * fetch path surfaces the body stream's own error (not an SDK class, so E_INTERNAL); postJson
 * calls it a connection error, which is retried (see the classification test below).
 */
const cutShort = "connection-closed-mid-body.http";

interface SeenRequest {
  readonly head: string;
  readonly body: string;
}

/** Replays the fixture named by the request's `x-fixture` header, once per request, on any number of keep-alive requests. */
class ReplayServer {
  readonly seen: SeenRequest[] = [];
  private server: Server | undefined;
  private port = 0;

  async start(): Promise<void> {
    this.server = createServer((socket) => this.serve(socket));
    await new Promise<void>((resolve) => this.server?.listen(0, "127.0.0.1", resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    await new Promise((resolve) => this.server?.close(resolve));
  }

  /** Where the SDK, the reference, reaches this server with its own fetch. */
  get origin(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The seam: every endpoint host is this server. */
  readonly connect: ProviderConnect = () => netConnect(this.port, "127.0.0.1");

  private serve(socket: Socket): void {
    let buffered = Buffer.alloc(0);
    socket.on("data", (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      for (;;) {
        const end = buffered.indexOf("\r\n\r\n");
        if (end < 0) return;
        const head = buffered.subarray(0, end).toString("latin1");
        const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
        if (buffered.length < end + 4 + length) return;
        const body = buffered.subarray(end + 4, end + 4 + length).toString("utf8");
        buffered = buffered.subarray(end + 4 + length);
        this.seen.push({ head, body });
        const name = /\r\nx-fixture: *(\S+)/i.exec(head)?.[1] ?? "openai-chat-completion.http";
        if (name === "hang") continue;
        if (name.endsWith(".sse")) {
          // A streamed answer framed by the connection's end, as some servers send it.
          socket.end(Buffer.concat([Buffer.from("HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\nconnection: close\r\n\r\n"), sseFixture(name)]));
          return;
        }
        socket.write(fixture(name));
        if (name === "connection-closed-mid-body.http") socket.destroy();
      }
    });
    socket.on("error", () => undefined);
  }
}

const server = new ReplayServer();
beforeAll(() => server.start());
afterAll(() => server.stop());

const baseURL = "http://provider.test/v1";

function client(options: { readonly responseHeaderTimeoutMs?: number } = {}): ProviderHttpClient {
  return new ProviderHttpClient({ baseURL, apiKey: "sk-test", idleTimeoutMs: 5_000, disableKeepAlives: false, connect: server.connect, ...options });
}

type Settled = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: unknown };
const settle = (promise: Promise<unknown>): Promise<Settled> =>
  promise.then(
    (value) => ({ ok: true, value }),
    (error: unknown) => ({ ok: false, error }),
  );

/** What classification keeps of an error: everything a retry, a fallback or an answer reads. */
function classified(error: unknown) {
  const modelbus = classifyProviderError(error, { nowMs: Date.parse("2026-12-04T18:00:00Z") });
  return { code: modelbus.code, message: modelbus.message, retryReason: modelbus.retryReason, retryAfterMs: modelbus.retryAfterMs, status: modelbus.status };
}

const params = { model: "gpt-4o-mini", messages: [{ role: "user" as const, content: "Capital of France?" }] };

describe("ProviderHttpClient.postJson over recorded provider responses", () => {
  it.each(fixtureNames.filter((name) => name !== cutShort))("reads %s as the openai SDK reads it", async (name) => {
    const http = client();
    const sdk = new OpenAI({ baseURL: `${server.origin}/v1`, apiKey: "sk-test", maxRetries: 0, defaultHeaders: { "x-fixture": name } });
    const signal = new AbortController().signal;
    const viaPost = await settle(http.postJson("chat/completions", JSON.stringify(params), signal, 5_000, { "x-fixture": name }));
    const viaSdk = await settle(sdk.chat.completions.create(params, { signal, timeout: 5_000 }));
    http.close();
    expect(viaPost.ok).toBe(viaSdk.ok);
    if (viaPost.ok && viaSdk.ok) {
      expect(viaPost.value).toEqual(viaSdk.value);
      return;
    }
    if (viaPost.ok || viaSdk.ok) return;
    expect(viaPost.error).toBeInstanceOf((viaSdk.error as object).constructor);
    expect(classified(viaPost.error)).toEqual(classified(viaSdk.error));
  });

  it("classifies the recorded errors as the retry policy needs them", async () => {
    const http = client();
    const signal = new AbortController().signal;
    const outcome = async (name: string) => {
      const settled = await settle(http.postJson("chat/completions", "{}", signal, 5_000, { "x-fixture": name }));
      if (settled.ok) throw new Error(`${name} answered`);
      return classified(settled.error);
    };
    expect(await outcome("openai-rate-limited.http")).toMatchObject({
      code: "E_PROVIDER_RATE_LIMITED",
      retryReason: "rate_limit",
      retryAfterMs: 20_000,
      status: 429,
    });
    expect(await outcome("openai-invalid-key.http")).toMatchObject({ code: "E_PROVIDER_AUTH", status: 401 });
    expect(await outcome("openai-context-length.http")).toMatchObject({ code: "E_PROVIDER_REJECTED", retryReason: undefined, status: 400 });
    expect(await outcome("nginx-bad-gateway.http")).toMatchObject({ code: "E_PROVIDER_UNAVAILABLE", retryReason: "transient", status: 502 });
    expect(await outcome("openai-server-error.http")).toMatchObject({ code: "E_PROVIDER_UNAVAILABLE", retryReason: "transient", status: 500 });
    expect(await outcome("envoy-unavailable-text.http")).toMatchObject({ code: "E_PROVIDER_UNAVAILABLE", status: 503, retryAfterMs: 5_000 });
    expect(await outcome("connection-closed-mid-body.http")).toMatchObject({ code: "E_PROVIDER_NETWORK", retryReason: "transient" });
    http.close();
  });

  it("sends the endpoint's URL, key and JSON body, and reuses one keep-alive connection", async () => {
    const http = client();
    const before = server.seen.length;
    const signal = new AbortController().signal;
    const first = await http.postJson("chat/completions", JSON.stringify(params), signal, 5_000);
    await http.postJson("chat/completions", JSON.stringify(params), signal, 5_000, { traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01" });
    http.close();
    expect(first).toMatchObject({ object: "chat.completion", choices: [{ message: { content: "Paris." } }] });
    const [one, two] = server.seen.slice(before);
    expect(one?.head).toMatch(/^POST \/v1\/chat\/completions HTTP\/1\.1\r\n/);
    expect(one?.head).toMatch(/\r\nhost: provider\.test\r\n/i);
    expect(one?.head).toMatch(/\r\nauthorization: Bearer sk-test\r\n/i);
    expect(one?.head).toMatch(/\r\ncontent-type: application\/json\r\n/i);
    expect(JSON.parse(one?.body ?? "")).toEqual(params);
    expect(two?.head).toMatch(/\r\ntraceparent: 00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01\r\n/i);
  });

  it("fails as the SDK would when no headers come in time, the deadline passes, or the caller aborts", async () => {
    const signal = new AbortController().signal;
    const slowHeaders = client({ responseHeaderTimeoutMs: 50 });
    const noHeaders = await settle(slowHeaders.postJson("chat/completions", "{}", signal, 5_000, { "x-fixture": "hang" }));
    slowHeaders.close();
    expect(noHeaders.ok ? undefined : noHeaders.error).toBeInstanceOf(OpenAI.APIConnectionError);
    expect(noHeaders.ok ? undefined : classified(noHeaders.error)).toMatchObject({ code: "E_PROVIDER_NETWORK", retryReason: "transient" });

    const http = client();
    const late = await settle(http.postJson("chat/completions", "{}", signal, 50, { "x-fixture": "hang" }));
    expect(late.ok ? undefined : late.error).toBeInstanceOf(OpenAI.APIConnectionTimeoutError);
    const controller = new AbortController();
    const pending = settle(http.postJson("chat/completions", "{}", controller.signal, 5_000, { "x-fixture": "hang" }));
    setTimeout(() => controller.abort(), 20);
    const aborted = await pending;
    http.close();
    expect(aborted.ok ? undefined : aborted.error).toBeInstanceOf(OpenAI.APIUserAbortError);
  });
});

describe("OpenAIChatProvider through the connect seam", () => {
  const endpoint = endpointSchema.parse({ provider: "openai", url: baseURL, model: "gpt-4o-mini" });
  const request = agentRequestSchema.parse({ request_id: "r-1", messages: [{ role: "user", content: "Capital of France?" }] });

  it("answers a non-streamed call over the production path, and classifies a recorded 429", async () => {
    const provider = new OpenAIChatProvider([{ name: "openai", config: endpoint, baseURL, apiKey: "sk-test" }], { connect: server.connect });
    const options = { signal: new AbortController().signal, timeoutMs: 5_000, warn: () => undefined };
    const result = await provider.complete("openai", request, options);
    expect(result).toMatchObject({ status: "complete", message: { role: "assistant", content: "Paris." }, usage: { prompt_tokens: 14, completion_tokens: 2 } });
    const limited = await provider
      .complete("openai", request, { ...options, headers: { "x-fixture": "openai-rate-limited.http" } })
      .catch((error: unknown) => error);
    provider.close();
    expect(limited).toBeInstanceOf(ModelbusError);
    expect(limited).toMatchObject({ code: "E_PROVIDER_RATE_LIMITED", retryAfterMs: 20_000 });
  });

  it("streams over the same pool and seam: a recorded SSE body becomes the answer and its deltas", async () => {
    const provider = new OpenAIChatProvider([{ name: "openai", config: endpoint, baseURL, apiKey: "sk-test" }], { connect: server.connect });
    const deltas: string[] = [];
    const options = {
      signal: new AbortController().signal,
      timeoutMs: 5_000,
      warn: () => undefined,
      stream: true,
      onDelta: (delta: StreamDelta) => void deltas.push(delta.contentDelta),
      headers: { "x-fixture": "openai-text.sse" },
    };
    const result = await provider.complete("openai", request, options);
    provider.close();
    expect(result).toMatchObject({ status: "complete", finishReason: "stop" });
    expect(deltas.join("")).toBe(result.message.content);
  });
});
