import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { enqueueMock, mockRequests } from "./mock-control.ts";
import { natsUrl } from "./test-service.ts";

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

/** `modelbus serve` in a real child process, so a test can SIGKILL it mid-request. */
export class ChildService {
  private output = "";

  private constructor(
    readonly process: ChildProcess,
    readonly mockUrl: string,
    readonly httpUrl: string,
  ) {
    process.stdout?.on("data", (chunk: Buffer) => (this.output += chunk.toString()));
    process.stderr?.on("data", (chunk: Buffer) => (this.output += chunk.toString()));
  }

  static async start(config: Record<string, unknown>): Promise<ChildService> {
    const mockPort = await freePort();
    const httpPort = await freePort();
    const dir = mkdtempSync(join(tmpdir(), "modelbus-child-"));
    const path = join(dir, "config.json");
    writeFileSync(path, JSON.stringify({ ...config, mock: { host: "127.0.0.1", port: mockPort } }));
    const child = spawn(process.execPath, ["--import", "tsx", "src/cli.ts", "serve"], {
      env: { ...process.env, MODELBUS_CONFIG: path, NATS_URL: natsUrl, MODELBUS_HTTP_PORT: String(httpPort) },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const service = new ChildService(child, `http://127.0.0.1:${mockPort}`, `http://127.0.0.1:${httpPort}`);
    await service.waitFor(async () => (await fetch(`${service.httpUrl}/readyz`).catch(() => undefined))?.status === 200, 20_000);
    return service;
  }

  get logs(): string {
    return this.output;
  }

  enqueue(model: string, behaviours: unknown[]): Promise<void> {
    return enqueueMock(this.mockUrl, model, behaviours);
  }

  async mockRequestCount(): Promise<number> {
    return (await mockRequests(this.mockUrl)).length;
  }

  async waitFor(condition: () => Promise<boolean>, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.process.exitCode !== null) throw new Error(`child exited early (${this.process.exitCode}):\n${this.output}`);
      if (await condition()) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`condition not met within ${timeoutMs}ms; child output:\n${this.output}`);
  }

  async signal(signal: NodeJS.Signals): Promise<number | null> {
    if (this.process.exitCode !== null || this.process.signalCode !== null) return this.process.exitCode;
    const exited = new Promise<number | null>((resolve) => this.process.once("exit", (code) => resolve(code)));
    this.process.kill(signal);
    return exited;
  }
}
