import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The nearest folder above the module at `moduleUrl` (its `import.meta.url`) that holds
 * package.json: the repository root from src/ (tsx) and from dist/src/ (compiled) alike, for
 * files read at run time (prisma/migrations, the operator console).
 */
export function packageRoot(moduleUrl: string): string {
  const file = fileURLToPath(moduleUrl);
  for (let dir = dirname(file); dirname(dir) !== dir; dir = dirname(dir)) {
    if (existsSync(join(dir, "package.json"))) return dir;
  }
  throw new Error(`no package.json above ${file}`);
}
