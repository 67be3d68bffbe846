/**
 * Runs test/go/semstreams-wire: Go's own encoding/json decoding messages into structs with
 * semstreams' json tags. Built once per machine and source version (into the OS temp dir);
 * Go comes from Debian's golang-go, which .ci/run installs. Without Go the tests fail, loudly.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export type GoInputKind = "AgentRequest" | "AgentResponse" | "Envelope";

export interface GoDecoded {
  /** Go's error text when json.Unmarshal (or the payload registry) refused the message. */
  readonly error?: string;
  /** The envelope's registry key, e.g. "agentic.response.v1". */
  readonly type?: string;
  /** The decoded struct as Go encodes it again. */
  readonly value?: Record<string, unknown>;
  /** Each reasoning record's opaque bytes, as text. */
  readonly opaque_texts?: string[];
  /** What semstreams' Validate() says of the decoded payload. */
  readonly problems?: string[];
  readonly meta_times_are_integers?: boolean;
}

const sourceDir = resolve(import.meta.dirname, "../go/semstreams-wire");

function goEnvironment(): NodeJS.ProcessEnv {
  const cache = join(tmpdir(), "modelbus-go-cache");
  return { ...process.env, GOCACHE: cache, GOPATH: join(cache, "path"), GOFLAGS: "-mod=mod", GOPROXY: "off", GOTOOLCHAIN: "local", GO111MODULE: "on" };
}

let binary: string | undefined;

function built(): string {
  if (binary) return binary;
  const source = readFileSync(join(sourceDir, "main.go"));
  const target = join(tmpdir(), `modelbus-semstreams-wire-${createHash("sha256").update(source).digest("hex").slice(0, 12)}`);
  if (!existsSync(target)) {
    mkdirSync(tmpdir(), { recursive: true });
    const partial = `${target}.${process.pid}`;
    const build = spawnSync("go", ["build", "-o", partial, "."], { cwd: sourceDir, env: goEnvironment(), encoding: "utf8" });
    if (build.error || build.status !== 0) {
      throw new Error(
        `cannot build the Go decoder (test/go/semstreams-wire): ${build.error?.message ?? build.stderr}. ` +
          "These tests need Go (Debian: apt-get install golang-go; .ci/run installs it).",
      );
    }
    renameSync(partial, target); // atomic: parallel test files never run a half-written binary
  }
  binary = target;
  return target;
}

/** Decodes each message with Go, as semstreams would. */
export function goDecode(inputs: ReadonlyArray<{ readonly as: GoInputKind; readonly text: string }>): GoDecoded[] {
  const run = spawnSync(built(), [], { input: JSON.stringify(inputs), encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (run.error || run.status !== 0) throw new Error(`Go decoder failed: ${run.error?.message ?? run.stderr}`);
  return JSON.parse(run.stdout) as GoDecoded[];
}

/** One message decoded with Go. */
export function goDecodeOne(as: GoInputKind, text: string | Uint8Array): GoDecoded {
  const [result] = goDecode([{ as, text: typeof text === "string" ? text : new TextDecoder().decode(text) }]);
  return result as GoDecoded;
}
