import { join } from "node:path";
import { packageRoot } from "../../core/package-root.ts";

/** `prisma/migrations` at the repository root, wherever the process was started from. */
export const defaultMigrationsDir = join(packageRoot(import.meta.url), "prisma/migrations");
