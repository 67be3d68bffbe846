/**
 * How the `openai` SDK (6.30.1) turns odd SSE bodies into chunks — facts the provider client
 * relies on when it wires StreamAccumulator in. If an SDK upgrade changes one, this fails.
 */
import OpenAI, { APIError } from "openai";
import { describe, expect, it } from "vitest";
import { genericAdapter, openAIAdapter } from "../../src/providers/provider-adapters.ts";
import { StreamAccumulator } from "../../src/providers/stream/stream-accumulator.ts";
import { fixtureBytes, replay, splitBytes } from "./stream-replay-harness.ts";

const encoder = new TextEncoder();
const contentFrame = (text: string) =>
  `data: ${JSON.stringify({ id: "chatcmpl-q", object: "chat.completion.chunk", created: 1, model: "m", choices: [{ index: 0, delta: { content: text }, finish_reason: null }] })}\n\n`;

type Fetch = NonNullable<ConstructorParameters<typeof OpenAI>[0]>["fetch"];

async function streamOf(fetch: Fetch, signal?: AbortSignal) {
  const client = new OpenAI({ baseURL: "http://fixture.test/v1", apiKey: "x", maxRetries: 0, fetch });
  return client.chat.completions.create({ model: "m", messages: [{ role: "user", content: "hi" }], stream: true }, signal ? { signal } : {});
}

const sse =
  (body: string, contentType = "text/event-stream"): Fetch =>
  async () =>
    new Response(body, { headers: { "content-type": contentType } });

describe("openai SDK stream quirks", () => {
  it("reads CRLF-framed SSE the same as LF", async () => {
    const lf = fixtureBytes("openai-text.sse");
    const crlf = encoder.encode(new TextDecoder().decode(lf).replaceAll("\n", "\r\n"));
    for (const seed of [0, 7, 13]) {
      expect(await replay(splitBytes(crlf, seed), openAIAdapter)).toEqual(await replay([lf], openAIAdapter));
    }
  });

  it("throws an APIError without status on an error frame mid-stream; the partial stays readable", async () => {
    const stream = await streamOf(sse(`${contentFrame("Hal")}data: {"error":{"message":"upstream overloaded","type":"server_error","code":502}}\n\n`));
    const accumulator = new StreamAccumulator({ adapter: genericAdapter, warn: () => {} });
    const error = await (async () => {
      try {
        for await (const chunk of stream) accumulator.push(chunk);
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(APIError);
    expect((error as APIError).status).toBeUndefined();
    expect((error as APIError).message).toBe("upstream overloaded");
    expect(accumulator.partial().content).toBe("Hal");
  });

  it("ends the iteration silently when the request is aborted mid-stream (no throw)", async () => {
    const controller = new AbortController();
    const fetch: Fetch = async (_url, init) => {
      const body = new ReadableStream<Uint8Array>({
        start(stream) {
          stream.enqueue(encoder.encode(contentFrame("Hal")));
          init?.signal?.addEventListener("abort", () => stream.error(new DOMException("This operation was aborted", "AbortError")));
        },
      });
      return new Response(body, { headers: { "content-type": "text/event-stream" } });
    };
    const stream = await streamOf(fetch, controller.signal);
    const accumulator = new StreamAccumulator({ adapter: genericAdapter, warn: () => {} });
    for await (const chunk of stream) {
      accumulator.push(chunk);
      controller.abort();
    }
    // Only the signal tells a deadline apart from a provider that hung up.
    expect(controller.signal.aborted).toBe(true);
    expect(accumulator.finish()).toMatchObject({ ok: false, reason: "no finish_reason", partial: { content: "Hal" } });
  });

  it("yields no chunk at all for a JSON body sent to a streaming request", async () => {
    const completion = {
      id: "c",
      object: "chat.completion",
      created: 1,
      model: "m",
      choices: [{ index: 0, message: { role: "assistant", content: "hi" }, finish_reason: "stop" }],
    };
    const stream = await streamOf(sse(JSON.stringify(completion), "application/json"));
    const chunks: unknown[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks).toEqual([]);
  });

  it("drops a final frame that was never terminated by a blank line", async () => {
    const frame = contentFrame("lost");
    const stream = await streamOf(sse(`${contentFrame("kept")}${frame.slice(0, frame.length - 1)}`));
    const texts: unknown[] = [];
    for await (const chunk of stream) texts.push(chunk.choices[0]?.delta.content);
    expect(texts).toEqual(["kept"]);
  });

  it("skips SSE comments and ignores everything after [DONE]", async () => {
    const stream = await streamOf(sse(`: keep-alive\n\n${contentFrame("a")}data: [DONE]\n\n${contentFrame("after")}`));
    const texts: unknown[] = [];
    for await (const chunk of stream) texts.push(chunk.choices[0]?.delta.content);
    expect(texts).toEqual(["a"]);
  });
});

describe("Gemini fixture read with the wrong adapter", () => {
  it("collapses index-less calls with the OpenAI adapter (why adapters matter)", async () => {
    const run = await replay([fixtureBytes("gemini-parallel-tools.sse")], openAIAdapter);
    expect(run.outcome.ok && run.outcome.result.message.tool_calls).toEqual([{ id: "function-call-9284710345127734903", name: "get_utc_time", arguments: {} }]);
    expect(run.warnings).toEqual(["malformed tool-call arguments replaced by {}"]);
  });

  it("keeps the calls apart but records no signatures with the generic adapter", async () => {
    const run = await replay([fixtureBytes("gemini-parallel-tools.sse")], genericAdapter);
    if (!run.outcome.ok) throw new Error("expected a result");
    expect(run.outcome.result.message.tool_calls?.map((call) => call.arguments)).toEqual([{ city: "London" }, { city: "Paris" }, {}]);
    expect(run.outcome.result.message.reasoning_records).toBeUndefined();
  });
});
