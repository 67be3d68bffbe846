import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The nearest folder above `file` that holds package.json: the repository root from src/ (tsx) and from dist/src/ (compiled) alike. */
function packageRoot(file: string): string {
  for (let dir = dirname(file); dirname(dir) !== dir; dir = dirname(dir)) {
    if (existsSync(join(dir, "package.json"))) return dir;
  }
  throw new Error(`no package.json above ${file}`);
}

/** `prisma/migrations` at the repository root, wherever the process was started from. */
export const defaultMigrationsDir = join(packageRoot(fileURLToPath(import.meta.url)), "prisma/migrations");
