/**
 * The Ollama num_ctx probe against a real HTTP server playing Ollama (`/api/show` and
 * `/v1/chat/completions`), with semstreams' own cases (ollama_probe_test.go): URL
 * derivation, `parameters` parsing, when it warns, once per endpoint, silent otherwise.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { endpointSchema } from "../../src/config/config-schema.ts";
import { agentRequestSchema } from "../../src/core/agent-request.ts";
import { ollamaBaseUrl, parseOllamaNumCtx, probeOllamaContext } from "../../src/providers/ollama-probe.ts";
import { OpenAIChatProvider } from "../../src/providers/openai-chat-provider.ts";

interface Show {
  status: number;
  body: string;
}

let server: Server;
let base: string;
let show: Show = { status: 200, body: "{}" };
let showHits: Array<{ body: string; authorization: string | undefined }> = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString()));
    req.on("end", () => {
      if (req.url === "/api/show") {
        showHits.push({ body, authorization: req.headers.authorization });
        res.writeHead(show.status, { "content-type": "application/json" }).end(show.body);
        return;
      }
      const completion = {
        id: "c",
        object: "chat.completion",
        created: 0,
        model: "qwen3:8b",
        choices: [{ index: 0, message: { role: "assistant", content: "hi" }, finish_reason: "stop" }],
      };
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(completion));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

function recorder() {
  const lines: Array<{ level: "warn" | "debug"; details: Record<string, unknown>; message: string }> = [];
  return {
    lines,
    logger: {
      warn: (details: Record<string, unknown>, message: string) => lines.push({ level: "warn", details, message }),
      debug: (details: Record<string, unknown>, message: string) => lines.push({ level: "debug", details, message }),
    },
  };
}

describe("ollama num_ctx probe", () => {
  it.each([
    ["http://localhost:11434/v1", "http://localhost:11434"],
    ["http://localhost:11434/v1/", "http://localhost:11434"],
    ["http://localhost:11434", "http://localhost:11434"],
    ["http://localhost:11434/", "http://localhost:11434"],
    ["", ""],
  ])("takes %j to the native API root %j", (url, root) => {
    expect(ollamaBaseUrl(url)).toBe(root);
  });

  it.each([
    ['num_ctx 32768\nstop "<|eot|>"', 32768],
    ["num_ctx 8192", 8192],
    ["  num_ctx   65536  ", 65536],
    ['stop "<|eot|>"\ntemperature 0.7', undefined],
    ["", undefined],
    ["num_ctx abc", undefined],
  ])("reads num_ctx from %j", (parameters, expected) => {
    expect(parseOllamaNumCtx(parameters)).toBe(expected);
  });

  it.each([
    { name: "explicit and large enough", parameters: 'num_ctx 32768\nstop "<|eot|>"\n', maxTokens: 32768, warn: undefined },
    { name: "explicit and below max_tokens", parameters: "num_ctx 4096\n", maxTokens: 32768, warn: { model_num_ctx: 4096, num_ctx_explicit: true } },
    { name: "absent: Ollama's 4096, large enough", parameters: "temperature 0.7\n", maxTokens: 4096, warn: undefined },
    {
      name: "absent: Ollama's 4096, below max_tokens",
      parameters: "temperature 0.7\n",
      maxTokens: 32768,
      warn: { model_num_ctx: 4096, num_ctx_explicit: false },
    },
  ])("$name", async ({ parameters, maxTokens, warn }) => {
    show = { status: 200, body: JSON.stringify({ parameters, model_info: {} }) };
    showHits = [];
    const { lines, logger } = recorder();
    await probeOllamaContext({ endpoint: "local", baseURL: `${base}/v1`, model: "qwen3:8b", maxTokens }, logger);
    expect(showHits).toEqual([{ body: '{"name":"qwen3:8b"}', authorization: undefined }]);
    const warnings = lines.filter((line) => line.level === "warn");
    if (warn === undefined) expect(warnings).toEqual([]);
    else {
      expect(warnings).toHaveLength(1);
      expect(warnings[0]?.message).toBe("ollama model num_ctx is below endpoint.max_tokens — prompts will silently truncate on the server");
      expect(warnings[0]?.details).toMatchObject({ endpoint: "local", model: "qwen3:8b", endpoint_max_tokens: maxTokens, ...warn });
    }
  });

  it.each([
    { name: "a 404 (not Ollama)", reply: { status: 404, body: "not found" }, message: "ollama num_ctx probe: /api/show non-200" },
    { name: "a body that is not JSON", reply: { status: 200, body: "<html>" }, message: "ollama num_ctx probe: decode failed" },
  ])("is silent but for a debug line on $name", async ({ reply, message }) => {
    show = reply;
    const { lines, logger } = recorder();
    await probeOllamaContext({ endpoint: "local", baseURL: `${base}/v1`, model: "m", maxTokens: 32768 }, logger);
    expect(lines.map((line) => [line.level, line.message])).toEqual([["debug", message]]);
  });

  it("is silent when nothing answers, and does not probe without max_tokens", async () => {
    const { lines, logger } = recorder();
    await probeOllamaContext({ endpoint: "gone", baseURL: "http://127.0.0.1:9/v1", model: "m", maxTokens: 32768 }, logger);
    expect(lines.map((line) => [line.level, line.message])).toEqual([["debug", "ollama num_ctx probe: /api/show unreachable"]]);
    showHits = [];
    await probeOllamaContext({ endpoint: "local", baseURL: `${base}/v1`, model: "m", maxTokens: undefined }, logger);
    expect(showHits).toHaveLength(0);
  });

  it("runs once per Ollama endpoint, beside its first call, and never for other providers", async () => {
    show = { status: 200, body: JSON.stringify({ parameters: "num_ctx 2048" }) };
    showHits = [];
    const { lines, logger } = recorder();
    const endpoint = (provider: string) => endpointSchema.parse({ provider, url: `${base}/v1`, model: "qwen3:8b", max_tokens: 8192 });
    const provider = new OpenAIChatProvider(
      [
        { name: "ollama", config: endpoint("ollama"), baseURL: `${base}/v1`, apiKey: undefined },
        { name: "generic", config: endpoint(""), baseURL: `${base}/v1`, apiKey: undefined },
      ],
      { logger },
    );
    const request = agentRequestSchema.parse({ request_id: "r", messages: [{ role: "user", content: "hi" }] });
    const options = { signal: new AbortController().signal, timeoutMs: 5_000, warn: () => undefined };
    for (let call = 0; call < 3; call += 1) {
      await provider.complete("ollama", request, options);
      await provider.complete("generic", request, options);
    }
    await expect.poll(() => lines.filter((line) => line.level === "warn").length).toBe(1);
    expect(showHits).toHaveLength(1);
    expect(lines.find((line) => line.level === "warn")?.details).toMatchObject({ endpoint: "ollama", model_num_ctx: 2048, endpoint_max_tokens: 8192 });
    provider.close();
  });
});
