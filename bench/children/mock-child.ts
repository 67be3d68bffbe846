/**
 * The mock OpenAI endpoint in its own process: no recording, so it stays flat under load. Beside
 * it, an OTLP/HTTP sink for the "traced" run: it reads each export, counts it and answers 200,
 * as a collector would, without decoding (the tracing test decodes; here only the cost counts).
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { MockProviderServer } from "../../src/providers/mock/mock-provider-server.ts";
import { readChildOptions, serveChild } from "./child-runtime.ts";

serveChild(async () => {
  const options = readChildOptions<{ port?: number }>();
  const mock = await MockProviderServer.start({ host: "127.0.0.1", port: options.port ?? 0, maxRecordedRequests: 0 });
  const exports = { requests: 0, bytes: 0 };
  const sink = createServer((request, response) => {
    request.on("data", (chunk: Buffer) => (exports.bytes += chunk.length));
    request.on("end", () => {
      exports.requests += 1;
      response.writeHead(200, { "content-type": "application/x-protobuf" }).end();
    });
  });
  await new Promise<void>((resolve) => sink.listen(0, "127.0.0.1", resolve));
  return {
    info: { url: mock.url, otlpUrl: `http://127.0.0.1:${(sink.address() as AddressInfo).port}` },
    stop: async () => {
      await new Promise((resolve) => sink.close(resolve));
      await mock.close();
    },
    counters: () => ({ requests: mock.stats().requests, otlp_exports: exports.requests, otlp_bytes: exports.bytes }),
  };
});
