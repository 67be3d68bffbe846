/**
 * Micro-benchmark of the provider call, client side: modelbus's OpenAIChatProvider.complete
 * (params, keep-alive node:http POST, error classification, parsing) against a plain
 * keep-alive fetch POST + JSON parse and a bare node:http POST + JSON parse, all to the mock
 * endpoint in its own process; 64 calls in flight. Reports calls/s and this process's CPU ms
 * per call: what modelbus's provider call costs over the bare minimum.
 */
import { Agent, request } from "node:http";
import { parseConfig } from "../../src/config/load-config.ts";
import { agentRequestSchema } from "../../src/core/agent-request.ts";
import { OpenAIChatProvider } from "../../src/providers/openai-chat-provider.ts";
import { BenchChild } from "../children/spawn-child.ts";
import { warmedClosedLoop } from "./closed-loop.ts";
import { printMicroResult } from "./micro-output.ts";

const inFlight = 64;
const durationMs = Number(process.env.MICRO_ROUND_MS ?? 1_000) * 3;

async function measure(call: (sequence: number) => Promise<unknown>) {
  let sequence = 0;
  const next = () => call(++sequence);
  const { rate, cpuMsPerCall } = await warmedClosedLoop(inFlight, durationMs, next);
  return { rate: Math.round(rate), cpuMs: Math.round(cpuMsPerCall * 1_000) / 1_000 };
}

const { child: mock, info } = await BenchChild.start({ script: "mock-child.ts", options: {} });
try {
  const mockUrl = String(info.url);
  const config = parseConfig({ model_registry: { endpoints: { bench: { provider: "openai", url: mockUrl, model: "bench-model" } } } });
  const endpoint = config.model_registry.endpoints.bench;
  if (!endpoint) throw new Error("no endpoint");
  const provider = new OpenAIChatProvider([{ name: "bench", config: endpoint, baseURL: mockUrl, apiKey: undefined }]);
  const warn = () => undefined;
  const providerCall = await measure(async (sequence) => {
    const request = agentRequestSchema.parse({ request_id: `r${sequence}`, model: "bench", messages: [{ role: "user", content: `hello ${sequence}` }] });
    // One controller per call, as withDeadline gives every request its own signal.
    const result = await provider.complete("bench", request, { signal: new AbortController().signal, timeoutMs: 30_000, warn });
    if (result.message.content !== `mock answer: hello ${sequence}`) throw new Error("wrong answer");
  });
  const plain = await measure(async (sequence) => {
    const answer = await fetch(`${mockUrl}/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "bench-model", messages: [{ role: "user", content: `hello ${sequence}` }] }),
    });
    const body = (await answer.json()) as { choices: { message: { content: string } }[] };
    if (body.choices[0]?.message.content !== `mock answer: hello ${sequence}`) throw new Error("wrong answer");
  });
  const agent = new Agent({ keepAlive: true, maxSockets: inFlight });
  const chatUrl = new URL(`${mockUrl}/chat/completions`);
  const nodeHttp = await measure(
    (sequence) =>
      new Promise<void>((resolve, reject) => {
        const body = JSON.stringify({ model: "bench-model", messages: [{ role: "user", content: `hello ${sequence}` }] });
        const outgoing = request(
          chatUrl,
          { method: "POST", agent, headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) } },
          (response) => {
            const chunks: Buffer[] = [];
            response.on("data", (chunk: Buffer) => chunks.push(chunk));
            response.on("end", () => {
              const parsed = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { choices: { message: { content: string } }[] };
              if (parsed.choices[0]?.message.content === `mock answer: hello ${sequence}`) resolve();
              else reject(new Error("wrong answer"));
            });
          },
        );
        outgoing.on("error", reject);
        outgoing.end(body);
      }),
  );
  agent.destroy();
  printMicroResult({
    name: "provider_call",
    unit: "calls/s; *_cpu_ms in ms of this process per call",
    results: {
      provider_rps: providerCall.rate,
      provider_cpu_ms: providerCall.cpuMs,
      plain_fetch_rps: plain.rate,
      plain_fetch_cpu_ms: plain.cpuMs,
      node_http_rps: nodeHttp.rate,
      node_http_cpu_ms: nodeHttp.cpuMs,
    },
    notes: `${inFlight} calls in flight to the mock in its own process; provider = OpenAIChatProvider.complete (build params, node:http POST, parse); node_http = node:http keep-alive agent`,
  });
} finally {
  await mock.stop();
}
process.exit(0);
