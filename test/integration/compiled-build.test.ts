/**
 * The production build (`npm run build`, tsconfig.build.json → dist/): the compiled CLI starts
 * with plain node and finds what it resolves at run time (prisma/migrations, the console's files), and the bench's
 * compiled system-under-test children load. The build is incremental, so a fresh one is reused.
 */
import { execFile, fork } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { buildCompiled } from "../../bench/children/build-compiled.ts";
import { childOptionsEnv, type ChildMessage } from "../../bench/children/child-protocol.ts";
import { repoRoot } from "../../bench/children/spawn-child.ts";
import { createTestDatabase } from "../support/test-database.ts";

const run = promisify(execFile);

/** `node dist/src/cli.js …` (what `npm run start:prod` and the Dockerfile run): its exit code and output. */
function compiledCli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return run(process.execPath, [join(repoRoot, "dist/src/cli.js"), ...args], { cwd: repoRoot, env: { ...process.env, ...env } }).then(
    (result) => ({ code: 0, ...result }),
    (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
  );
}

beforeAll(() => {
  buildCompiled();
}, 180_000);

describe("compiled build (dist/)", () => {
  it("node dist/src/cli.js --help prints the commands", async () => {
    const help = await compiledCli(["--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("Commands:");
  });

  it("migrate --status and migrate find prisma/migrations from dist/", async () => {
    const local = readdirSync(join(repoRoot, "prisma/migrations"), { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name);
    expect(local.length).toBeGreaterThan(0);
    const database = await createTestDatabase();
    try {
      const env = { DATABASE_URL: database.url };
      const pending = await compiledCli(["migrate", "--status"], env);
      expect(pending.code, pending.stderr).toBe(3); // not up to date
      expect(JSON.parse(pending.stdout)).toMatchObject({ local, unapplied: local });
      const applied = await compiledCli(["migrate"], env);
      expect(applied.code, applied.stderr).toBe(0);
      expect(applied.stdout).toContain(`applied: ${local.join(", ")};`);
      const upToDate = await compiledCli(["migrate", "--status"], env);
      expect(upToDate.code, upToDate.stderr).toBe(0);
      expect(JSON.parse(upToDate.stdout)).toMatchObject({ applied: local, upToDate: true });
    } finally {
      await database.drop();
    }
  });

  it("finds the console's files (read at run time, not compiled) from dist/", async () => {
    const compiled = (await import(join(repoRoot, "dist/src/transports/http/console-routes.js"))) as { consoleDir: string; consolePaths: string[] };
    expect(compiled.consoleDir).toBe(join(repoRoot, "src/transports/http/console"));
    expect(compiled.consolePaths).toEqual(expect.arrayContaining(["/console", "/console/console.js", "/console/console.css"]));
  });

  it.each(["modelbus-child.js", "floor-child.js"])("dist/bench/children/%s loads and speaks the bench protocol", async (script) => {
    const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => name !== childOptionsEnv));
    const child = fork(join(repoRoot, "dist/bench/children", script), [], { cwd: repoRoot, env, execArgv: [], stdio: "pipe" });
    let stderr = "";
    child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const message = await new Promise<ChildMessage | undefined>((resolve) => {
      child.once("message", (answer: ChildMessage) => resolve(answer));
      child.once("exit", () => resolve(undefined));
    });
    child.kill();
    // Without options from the harness the child refuses to start, which it can only say once every import resolved.
    expect(message, stderr).toMatchObject({ type: "failed", error: expect.stringContaining(`${childOptionsEnv} is not set`) });
  });
});
