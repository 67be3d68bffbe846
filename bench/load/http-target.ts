import { Agent, request, type RequestOptions } from "node:http";
import { benchModel, checkChatCompletion, userContent } from "./bench-request.ts";
import type { LoadTarget } from "./load-target.ts";
import type { PhaseRecorder } from "./phase-recorder.ts";

export type HttpProbe = { readonly available: true } | { readonly available: false; readonly reason: string };

function chatBody(sequence: number, providerDelayMs: number): string {
  return JSON.stringify({ model: benchModel, messages: [{ role: "user", content: userContent(sequence, providerDelayMs) }] });
}

/** One POST to the HTTP door: 404 means the route does not exist (yet), not a failure. */
export async function probeHttpDoor(httpUrl: string, apiKey: string): Promise<HttpProbe> {
  const answer = await fetch(`${httpUrl}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${apiKey}` },
    body: chatBody(0, 0),
  });
  await answer.arrayBuffer();
  if (answer.status === 404) return { available: false, reason: "POST /v1/chat/completions answered 404 (route not there yet)" };
  return { available: true };
}

/** A chat completion POST with the bearer key, over `agent`. */
export function chatRequestOptions(agent: Agent, body: string, apiKey: string, timeoutMs: number): RequestOptions {
  return {
    method: "POST",
    agent,
    headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body), authorization: `Bearer ${apiKey}` },
    timeout: timeoutMs,
  };
}

/**
 * modelbus's OpenAI-compatible HTTP door: POST /v1/chat/completions with the bearer key,
 * through a keep-alive pool of `maxSockets` connections, as a real client would; requests
 * beyond it wait in the pool, and that wait counts in their latency (measured from the due time).
 */
export class HttpTarget implements LoadTarget {
  readonly door = "http" as const;
  readonly duplicates = 0;
  readonly unexpected = 0;
  private readonly url: URL;
  private readonly agent: Agent;

  constructor(
    httpUrl: string,
    private readonly apiKey: string,
    private readonly providerDelayMs: number,
    maxSockets: number,
    private readonly timeoutMs = 30_000,
  ) {
    this.url = new URL(`${httpUrl}/v1/chat/completions`);
    this.agent = new Agent({ keepAlive: true, maxSockets });
  }

  send(sequence: number, scheduledAt: number, recorder: PhaseRecorder): Promise<void> {
    recorder.begin(scheduledAt, performance.now());
    const body = chatBody(sequence, this.providerDelayMs);
    return new Promise<void>((settle) => {
      let done = false;
      const end = (outcome: Parameters<PhaseRecorder["end"]>[0]) => {
        if (done) return;
        done = true;
        recorder.end(outcome);
        settle();
      };
      const outgoing = request(this.url, chatRequestOptions(this.agent, body, this.apiKey, this.timeoutMs), (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () => {
          const arrivedAt = performance.now();
          const text = Buffer.concat(chunks).toString("utf8");
          let parsed: unknown;
          try {
            parsed = JSON.parse(text);
          } catch {
            parsed = undefined;
          }
          const problem = response.statusCode === 200 ? checkChatCompletion(parsed, sequence) : `HTTP ${response.statusCode}: ${text.slice(0, 200)}`;
          end({ latencyMs: arrivedAt - scheduledAt, problem });
        });
        response.on("error", (error) => end({ sendError: error.message }));
      });
      outgoing.on("timeout", () => {
        outgoing.destroy();
        end("missing");
      });
      outgoing.on("error", (error: NodeJS.ErrnoException) => end({ sendError: `${error.code ?? ""} ${error.message}` }));
      outgoing.end(body);
    });
  }

  async close(): Promise<void> {
    this.agent.destroy();
  }
}
