import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Integration tests share one NATS server and one MariaDB; each test uses unique
    // stream names and databases, so files may run in parallel.
    pool: "forks",
    globalSetup: ["test/support/global-setup.ts"],
  },
});
