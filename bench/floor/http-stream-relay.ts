import { Agent, createServer, request as httpRequest, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * The HTTP door's streaming floor: `POST /v1/chat/completions` is forwarded to the endpoint
 * as it came, over a keep-alive agent, and the endpoint's answer (SSE or JSON) is piped back
 * byte for byte as it arrives. No auth, no parsing, no logic: what any relay costs.
 */
export class HttpStreamRelay {
  private constructor(
    private readonly server: Server,
    private readonly agent: Agent,
    readonly url: string,
  ) {}

  static async start(chatUrl: string): Promise<HttpStreamRelay> {
    const target = new URL(chatUrl);
    const agent = new Agent({ keepAlive: true });
    const server = createServer((incoming, outgoing) => {
      if (incoming.method !== "POST" || incoming.url !== "/v1/chat/completions") {
        outgoing.writeHead(404).end();
        return;
      }
      const parts: Buffer[] = [];
      incoming.on("data", (part: Buffer) => parts.push(part));
      incoming.on("end", () => {
        const body = Buffer.concat(parts);
        const call = httpRequest(
          target,
          { method: "POST", agent, headers: { "content-type": "application/json", "content-length": body.length } },
          (answer) => {
            outgoing.writeHead(answer.statusCode ?? 502, { "content-type": answer.headers["content-type"] ?? "application/json" });
            answer.pipe(outgoing);
          },
        );
        call.on("error", () => outgoing.destroy());
        call.end(body);
      });
    });
    server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return new HttpStreamRelay(server, agent, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
    this.agent.destroy();
  }
}
