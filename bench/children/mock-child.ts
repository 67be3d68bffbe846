/** The mock OpenAI endpoint in its own process: no recording, so it stays flat under load. */
import { MockProviderServer } from "../../src/providers/mock/mock-provider-server.ts";
import { readChildOptions, serveChild } from "./child-runtime.ts";

serveChild(async () => {
  const options = readChildOptions<{ port?: number }>();
  const mock = await MockProviderServer.start({ host: "127.0.0.1", port: options.port ?? 0, maxRecordedRequests: 0 });
  return {
    info: { url: mock.url },
    stop: () => mock.close(),
    counters: () => ({ requests: mock.stats().requests }),
  };
});
