import { fileURLToPath } from "node:url";

/** `prisma/migrations` at the repository root, wherever the process was started from. */
export const defaultMigrationsDir = fileURLToPath(new URL("../../../prisma/migrations", import.meta.url));
