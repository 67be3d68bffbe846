/**
 * Replays a recorded SSE body through the real `openai` SDK (an injected fetch is the only
 * seam) into a StreamAccumulator, the way the provider client will.
 */
import { readFileSync } from "node:fs";
import OpenAI from "openai";
import type { ProviderAdapter } from "../../src/providers/provider-adapters.ts";
import { StreamAccumulator } from "../../src/providers/stream/stream-accumulator.ts";
import type { StreamDeltas, StreamOutcome } from "../../src/providers/stream/stream-outcome.ts";

export function fixtureBytes(name: string): Uint8Array {
  return new Uint8Array(readFileSync(new URL(`../fixtures/sse/${name}`, import.meta.url)));
}

/** mulberry32: a tiny seeded PRNG, so a failing split can be replayed from its seed. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}

/** Seed 0 cuts after every byte; other seeds cut at random byte offsets (mid UTF-8 too). */
export function splitBytes(bytes: Uint8Array, seed: number): Uint8Array[] {
  if (seed === 0) return Array.from(bytes, (byte) => Uint8Array.of(byte));
  const random = seededRandom(seed);
  const maxPiece = 1 + Math.floor(random() * 96);
  const pieces: Uint8Array[] = [];
  for (let start = 0; start < bytes.length;) {
    const size = 1 + Math.floor(random() * maxPiece);
    pieces.push(bytes.slice(start, start + size));
    start += size;
  }
  return pieces;
}

export interface Replay {
  published: StreamDeltas[];
  outcome: StreamOutcome;
  warnings: string[];
}

/** The pieces arrive one per read, as a socket would deliver them. */
function bodyOf(pieces: readonly Uint8Array[]): ReadableStream<Uint8Array> {
  let next = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      const piece = pieces[next++];
      if (piece) controller.enqueue(piece);
      else controller.close();
    },
  });
}

export async function replay(pieces: readonly Uint8Array[], adapter: ProviderAdapter): Promise<Replay> {
  const client = new OpenAI({
    baseURL: "http://fixture.test/v1",
    apiKey: "x",
    maxRetries: 0,
    fetch: async () => new Response(bodyOf(pieces), { headers: { "content-type": "text/event-stream" } }),
  });
  const warnings: string[] = [];
  let chunkCount = 0;
  // The clock reads "chunks pushed so far", so time-to-first-token is a chunk number.
  const accumulator = new StreamAccumulator({ adapter, warn: (message) => warnings.push(message), now: () => chunkCount });
  const stream = await client.chat.completions.create({
    model: "fixture-model",
    messages: [{ role: "user", content: "hi" }],
    stream: true,
    stream_options: { include_usage: true },
  });
  const published: StreamDeltas[] = [];
  for await (const chunk of stream) {
    chunkCount++;
    published.push(accumulator.push(chunk));
  }
  const outcome = accumulator.finish();
  published.push(outcome.finalDeltas);
  return { published, outcome, warnings };
}

/** What subscribers of agent.stream.<id> would have put together. */
export function joined(published: readonly StreamDeltas[]): { content: string; reasoning: string } {
  return {
    content: published.map((deltas) => deltas.contentDelta).join(""),
    reasoning: published.map((deltas) => deltas.reasoningDelta).join(""),
  };
}
