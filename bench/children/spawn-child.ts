import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { childOptionsEnv, type ChildMessage, type ChildUsage, type ParentMessage } from "./child-protocol.ts";

export const repoRoot = fileURLToPath(new URL("../..", import.meta.url));

export interface SpawnChildOptions {
  /** Script under bench/children, e.g. "floor-child.ts". */
  readonly script: string;
  readonly options: unknown;
  /** Extra node flags, e.g. ["--cpu-prof", "--cpu-prof-dir=…"]. */
  readonly nodeFlags?: readonly string[];
  readonly startTimeoutMs?: number;
  /**
   * Run the compiled dist/bench/children/<name>.js (`npm run build`, see buildCompiled) with plain
   * node instead of the .ts under tsx, whose loader thread adds its own V8 heap to the child's RSS.
   */
  readonly compiled?: boolean;
}

/** node's arguments for a script under bench/children: its compiled .js, or its source through tsx. */
function scriptArguments(script: string, compiled: boolean): string[] {
  if (compiled) return [join(repoRoot, "dist/bench/children", script.replace(/\.ts$/, ".js"))];
  return ["--import", "tsx", fileURLToPath(new URL(script, import.meta.url))];
}

/** A benchmark child process: started with plain node (compiled) or tsx, driven over IPC. */
export class BenchChild {
  private nextId = 1;
  private readonly waiting = new Map<number, (message: ChildMessage) => void>();
  private output = "";

  private constructor(
    readonly process: ChildProcess,
    readonly name: string,
  ) {
    const keep = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString()).slice(-20_000);
    };
    process.stdout?.on("data", keep);
    process.stderr?.on("data", keep);
    process.on("message", (message: ChildMessage) => {
      if ("id" in message) {
        this.waiting.get(message.id)?.(message);
        this.waiting.delete(message.id);
      }
    });
  }

  static async start(spawnOptions: SpawnChildOptions): Promise<{ child: BenchChild; info: Record<string, unknown> }> {
    const script = scriptArguments(spawnOptions.script, spawnOptions.compiled ?? false);
    const processHandle = spawn(process.execPath, [...(spawnOptions.nodeFlags ?? []), ...script], {
      cwd: repoRoot,
      env: { ...process.env, [childOptionsEnv]: JSON.stringify(spawnOptions.options) },
      stdio: ["ignore", "pipe", "pipe", "ipc"],
    });
    const child = new BenchChild(processHandle, spawnOptions.script);
    const info = await new Promise<Record<string, unknown>>((resolve, reject) => {
      const timer = setTimeout(() => {
        processHandle.kill("SIGKILL");
        reject(new Error(`${spawnOptions.script} did not start in time:\n${child.output}`));
      }, spawnOptions.startTimeoutMs ?? 60_000);
      processHandle.on("message", (message: ChildMessage) => {
        if (message.type === "ready") {
          clearTimeout(timer);
          resolve({ ...message.info });
        } else if (message.type === "failed") {
          clearTimeout(timer);
          reject(new Error(`${spawnOptions.script} failed to start: ${message.error}\n${child.output}`));
        }
      });
      processHandle.once("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`${spawnOptions.script} exited (${code}) before it was ready:\n${child.output}`));
      });
    });
    return { child, info };
  }

  get pid(): number {
    return this.process.pid ?? -1;
  }

  get logs(): string {
    return this.output;
  }

  private request(
    message:
      | { readonly type: "usage"; readonly resetEventLoopDelay?: boolean }
      | { readonly type: "stop" }
      | { readonly type: "allocations"; readonly action: "start" | "stop"; readonly file?: string },
    timeoutMs = 30_000,
  ): Promise<ChildMessage> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.name}: no answer to ${message.type} within ${timeoutMs}ms`)), timeoutMs);
      this.waiting.set(id, (answer) => {
        clearTimeout(timer);
        resolve(answer);
      });
      this.process.send({ ...message, id } as ParentMessage);
    });
  }

  async usage(resetEventLoopDelay = false): Promise<ChildUsage> {
    const answer = await this.request({ type: "usage", resetEventLoopDelay });
    if (answer.type !== "usage") throw new Error(`unexpected answer ${answer.type}`);
    return answer.usage;
  }

  /** Starts allocation sampling in the child, or stops it and has the profile written to `file`. */
  async allocations(action: "start" | "stop", file?: string): Promise<void> {
    const answer = await this.request({ type: "allocations", action, ...(file === undefined ? {} : { file }) });
    if (answer.type !== "allocations") throw new Error(`unexpected answer ${answer.type}`);
    if (answer.error !== undefined) throw new Error(`${this.name}: allocation sampling: ${answer.error}`);
  }

  /** Graceful stop: the child stops its work, reports final usage and exits. */
  async stop(timeoutMs = 60_000): Promise<ChildUsage | undefined> {
    if (this.process.exitCode !== null || this.process.signalCode !== null) return undefined;
    const exited = new Promise<void>((resolve) => this.process.once("exit", () => resolve()));
    try {
      const answer = await this.request({ type: "stop" }, timeoutMs);
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
      return answer.type === "stopped" ? answer.usage : undefined;
    } catch (error) {
      this.process.kill("SIGKILL");
      throw error;
    }
  }

  kill(): void {
    if (this.process.exitCode === null && this.process.signalCode === null) this.process.kill("SIGKILL");
  }
}
