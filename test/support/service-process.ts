import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./child-service.ts";
import { enqueueMock, mockRequests } from "./mock-control.ts";
import { natsUrl as sharedNatsUrl } from "./test-service.ts";

export interface ServiceProcessOptions {
  /** The config file's content; `mock` is set to a free port of its own. */
  readonly config: Record<string, unknown>;
  readonly natsUrl?: string;
  /** DATABASE_URL of the child (only read when the config enables the store). */
  readonly databaseUrl?: string;
  readonly readyTimeoutMs?: number;
}

export interface ExitStatus {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/**
 * `modelbus serve` as a real child process, like ChildService, but with the NATS server
 * and database chosen by the test, the exit status kept, and its temporary config
 * removed on exit, so fault tests can SIGKILL or SIGTERM a replica and start another.
 */
export class ServiceProcess {
  private output = "";
  readonly exited: Promise<ExitStatus>;

  private constructor(
    readonly child: ChildProcess,
    readonly mockUrl: string,
    readonly httpUrl: string,
  ) {
    child.stdout?.on("data", (chunk: Buffer) => (this.output += chunk.toString()));
    child.stderr?.on("data", (chunk: Buffer) => (this.output += chunk.toString()));
    this.exited = new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
  }

  /**
   * Starts the child on two ports found free. A port can be taken between the check and the
   * child's listen (any outgoing connection may get it as its local port): a start that fails
   * with EADDRINUSE is tried again on new ports, up to three times.
   */
  static async start(options: ServiceProcessOptions): Promise<ServiceProcess> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await ServiceProcess.startOnce(options);
      } catch (error) {
        if (attempt >= 3 || !String((error as Error).message).includes("EADDRINUSE")) throw error;
      }
    }
  }

  private static async startOnce(options: ServiceProcessOptions): Promise<ServiceProcess> {
    const [mockPort, httpPort] = [await freePort(), await freePort()];
    const directory = mkdtempSync(join(tmpdir(), "modelbus-replica-"));
    const path = join(directory, "config.json");
    writeFileSync(path, JSON.stringify({ ...options.config, mock: { host: "127.0.0.1", port: mockPort } }));
    const child = spawn(process.execPath, ["--import", "tsx", "src/cli.ts", "serve"], {
      env: {
        ...process.env,
        MODELBUS_CONFIG: path,
        NATS_URL: options.natsUrl ?? sharedNatsUrl,
        MODELBUS_HTTP_PORT: String(httpPort),
        ...(options.databaseUrl ? { DATABASE_URL: options.databaseUrl } : {}),
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const service = new ServiceProcess(child, `http://127.0.0.1:${mockPort}`, `http://127.0.0.1:${httpPort}`);
    service.rewriteConfig = (next) => writeFileSync(path, JSON.stringify({ ...next, mock: { host: "127.0.0.1", port: mockPort } }));
    void service.exited.then(() => rmSync(directory, { recursive: true, force: true }));
    try {
      await service.waitFor(async () => (await fetch(`${service.httpUrl}/readyz`).catch(() => undefined))?.status === 200, options.readyTimeoutMs ?? 20_000);
    } catch (error) {
      await service.kill();
      throw error;
    }
    return service;
  }

  /** Writes a new config file for the child (its mock port kept), for a reload. */
  rewriteConfig: (config: Record<string, unknown>) => void = () => undefined;

  get logs(): string {
    return this.output;
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  enqueue(model: string, behaviours: unknown[]): Promise<void> {
    return enqueueMock(this.mockUrl, model, behaviours);
  }

  /** Chat requests the child's mock has received so far, oldest first. */
  mockRequests(): Promise<Array<{ body: unknown; receivedAt: number }>> {
    return mockRequests(this.mockUrl);
  }

  async mockInFlight(): Promise<number> {
    const stats = (await (await fetch(`${this.mockUrl}/__mock/stats`)).json()) as { in_flight: number };
    return stats.in_flight;
  }

  async waitFor(condition: () => Promise<boolean>, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.alive) throw new Error(`child exited early (${this.child.exitCode ?? this.child.signalCode}):\n${this.output}`);
      if (await condition().catch(() => false)) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`condition not met within ${timeoutMs}ms; child output:\n${this.output}`);
  }

  /** Sends a signal and waits for the exit. */
  async signal(signal: NodeJS.Signals): Promise<ExitStatus> {
    if (this.alive) this.child.kill(signal);
    return this.exited;
  }

  /** Cleanup: SIGKILL unless it has exited already. */
  async kill(): Promise<void> {
    await this.signal("SIGKILL");
  }
}
