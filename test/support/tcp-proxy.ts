import { createConnection, createServer, type Server, type Socket } from "node:net";

/**
 * A TCP proxy in front of a real service, so a test can make that service "go away"
 * (refuse and cut connections) and come back on the same port, without stopping the
 * shared server other tests use.
 */
export class TcpProxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  /** While set, what the service answers is dropped: requests reach it, replies are lost. */
  private losingReplies = false;

  private constructor(
    readonly port: number,
    private readonly target: { host: string; port: number },
  ) {}

  static async start(target: { host: string; port: number }): Promise<TcpProxy> {
    const probe = createServer();
    const port = await new Promise<number>((resolve) => probe.listen(0, "127.0.0.1", () => resolve((probe.address() as { port: number }).port)));
    await new Promise((resolve) => probe.close(resolve));
    const proxy = new TcpProxy(port, target);
    await proxy.up();
    return proxy;
  }

  async up(): Promise<void> {
    if (this.server) return;
    const server = createServer((client) => {
      const upstream = createConnection(this.target);
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on("close", () => this.sockets.delete(socket));
        socket.on("error", () => socket.destroy());
      }
      client.pipe(upstream);
      upstream.on("data", (chunk: Buffer) => {
        if (!this.losingReplies) client.write(chunk);
      });
      client.on("close", () => upstream.destroy());
      upstream.on("close", () => client.destroy());
    });
    await new Promise<void>((resolve) => server.listen(this.port, "127.0.0.1", resolve));
    this.server = server;
  }

  /**
   * Cuts every open connection and refuses new ones until `up()`. With `loseRepliesMs`, the
   * service's replies are dropped for that long first: statements sent then reach the server
   * and run, but their callers never learn it (the ambiguous write of a real outage).
   */
  async down(options: { loseRepliesMs?: number } = {}): Promise<void> {
    if (options.loseRepliesMs) {
      this.losingReplies = true;
      await new Promise((resolve) => setTimeout(resolve, options.loseRepliesMs));
    }
    this.losingReplies = false;
    const server = this.server;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    if (server) await new Promise((resolve) => server.close(resolve));
  }
}
