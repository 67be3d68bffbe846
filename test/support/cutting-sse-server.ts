import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface CuttingSseServerOptions {
  /** Content pieces sent as `chat.completion.chunk` deltas before the socket is destroyed. */
  readonly pieces: readonly string[];
  /** Wait before tearing the connection down, so the pieces reach the client first. */
  readonly cutAfterMs?: number;
}

/**
 * An OpenAI-compatible streaming endpoint that starts an answer and then drops the TCP
 * connection mid-body (no finish_reason, no [DONE], no clean end of the chunked body):
 * what a provider crash or a cut load balancer looks like, which the built-in mock's
 * `stream_cut` (a clean end without a finish reason) does not cover.
 */
export class CuttingSseServer {
  readonly received: Array<{ body: unknown; receivedAt: number }> = [];

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(options: CuttingSseServerOptions): Promise<CuttingSseServer> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    const instance = new CuttingSseServer(server, `http://127.0.0.1:${port}/v1`);
    server.on("request", (req: IncomingMessage, res: ServerResponse) => instance.answer(req, res, options));
    return instance;
  }

  private answer(req: IncomingMessage, res: ServerResponse, options: CuttingSseServerOptions): void {
    let text = "";
    req.on("data", (chunk: Buffer) => (text += chunk.toString()));
    req.on("end", () => {
      const body: unknown = JSON.parse(text || "{}");
      this.received.push({ body, receivedAt: Date.now() });
      const model = (body as { model?: string }).model ?? "cut-model";
      const frame = (delta: object) =>
        `data: ${JSON.stringify({ id: "chatcmpl-cut", object: "chat.completion.chunk", created: 0, model, choices: [{ index: 0, delta, finish_reason: null }] })}\n\n`;
      res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
      res.write(frame({ role: "assistant" }));
      for (const piece of options.pieces) res.write(frame({ content: piece }));
      setTimeout(() => res.socket?.destroy(), options.cutAfterMs ?? 100);
    });
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}
