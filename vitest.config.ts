import { defineConfig } from "vitest/config";

/**
 * Two projects: "unit" (test/unit) needs no service at all — `npm run test:unit` runs it on a
 * machine without NATS, MariaDB or Redis; "integration" (test/integration) talks to the real
 * ones and fails loudly, before any test, when one is not answering (global-setup.ts).
 * `npm test` runs both.
 */
export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Integration tests share one NATS server and one MariaDB; each test uses unique
    // stream names and databases, so files may run in parallel.
    pool: "forks",
    projects: [
      { extends: true, test: { name: "unit", include: ["test/unit/**/*.test.ts"], setupFiles: ["test/support/no-services.ts"] } },
      { extends: true, test: { name: "integration", include: ["test/integration/**/*.test.ts"], globalSetup: ["test/support/global-setup.ts"] } },
    ],
  },
});
