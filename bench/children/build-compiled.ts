import { spawnSync } from "node:child_process";
import { repoRoot } from "./spawn-child.ts";

/**
 * `npm run build` (tsconfig.build.json: src/ and the system-under-test children into dist/,
 * incremental), so children can start with `compiled: true`. Throws with tsc's output when the
 * build fails; returns how long it took.
 */
export function buildCompiled(): number {
  const startedAt = performance.now();
  const result = spawnSync("npm", ["run", "--silent", "build"], { cwd: repoRoot, encoding: "utf8" });
  if (result.error) throw new Error(`npm run build could not start: ${result.error.message}`);
  if (result.status !== 0) {
    throw new Error(`npm run build failed (exit ${result.status ?? result.signal}):\n${`${result.stdout}${result.stderr}`.trim()}`);
  }
  return Math.round(performance.now() - startedAt);
}
