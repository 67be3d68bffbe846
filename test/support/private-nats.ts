import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./child-service.ts";

const natsServerBinary = process.env.NATS_SERVER_BIN ?? "/usr/sbin/nats-server";

export interface PrivateNatsOptions {
  /** The server's max_payload (bytes); the nats-server default is 1 MB. */
  readonly maxPayloadBytes?: number;
}

/**
 * A nats-server of the test's own, with JetStream on a file store in a temporary
 * directory, on a random port. It can be stopped and started again on the same port and
 * store, which the shared server on 4222 (used by every other test file) must never be.
 */
export class PrivateNats {
  private process: ChildProcess | undefined;
  private output = "";

  private constructor(
    readonly port: number,
    readonly directory: string,
    private readonly configPath: string,
  ) {}

  static async start(options: PrivateNatsOptions = {}): Promise<PrivateNats> {
    const port = await freePort();
    const directory = mkdtempSync(join(tmpdir(), "modelbus-nats-"));
    const configPath = join(directory, "server.conf");
    const lines = [
      `listen: "127.0.0.1:${port}"`,
      `server_name: "private_${port}"`,
      `jetstream { store_dir: ${JSON.stringify(join(directory, "store"))} }`,
      ...(options.maxPayloadBytes ? [`max_payload: ${options.maxPayloadBytes}`] : []),
    ];
    writeFileSync(configPath, `${lines.join("\n")}\n`);
    const server = new PrivateNats(port, directory, configPath);
    await server.up();
    return server;
  }

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  get logs(): string {
    return this.output;
  }

  get running(): boolean {
    return this.process !== undefined && this.process.exitCode === null && this.process.signalCode === null;
  }

  /** Starts the server (again) on the same port and store, and waits until it accepts clients with JetStream on. */
  async up(timeoutMs = 10_000): Promise<void> {
    if (this.running) return;
    const child = spawn(natsServerBinary, ["-c", this.configPath], { stdio: ["ignore", "pipe", "pipe"] });
    this.process = child;
    const ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`private nats-server not ready within ${timeoutMs}ms:\n${this.output}`)), timeoutMs);
      const onData = (chunk: Buffer) => {
        this.output += chunk.toString();
        if (this.output.includes("Server is ready")) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout?.on("data", onData);
      child.stderr?.on("data", onData);
      child.once("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`private nats-server exited (${code}):\n${this.output}`));
      });
    });
    this.output = "";
    await ready;
  }

  /** Stops the server (SIGTERM: a clean shutdown, SIGKILL: a crash) and waits for it to exit. */
  async down(signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
    const child = this.process;
    if (!child || !this.running) return;
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.kill(signal);
    await exited;
  }

  /** Stops the server for good and removes its store. */
  async dispose(): Promise<void> {
    await this.down("SIGKILL");
    rmSync(this.directory, { recursive: true, force: true });
  }
}
