import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Service } from "../../src/main.ts";
import { localMigrationNames } from "../support/local-migration-names.ts";
import { createTestDatabase, queryTestDatabase } from "../support/test-database.ts";
import { natsUrl, startTestService, testConfig, uniqueNames } from "../support/test-service.ts";

const run = promisify(execFile);
const names = uniqueNames();
let service: Service;
let configPath: string;

function cli(args: string[], env: Record<string, string> = {}) {
  return run(process.execPath, ["bin/modelbus.js", ...args], { env: { ...process.env, MODELBUS_CONFIG: configPath, NATS_URL: natsUrl, ...env } }).then(
    (result) => ({ code: 0, ...result }),
    (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
  );
}

beforeAll(async () => {
  const raw = {
    store: { enabled: false },
    nats: { stream: names.stream, subject_prefix: names.prefix, consumer: names.consumer },
    model_registry: { endpoints: { main: { provider: "mock", model: "main-model" } } },
  };
  configPath = join(mkdtempSync(join(tmpdir(), "modelbus-cli-")), "config.json");
  writeFileSync(configPath, JSON.stringify(raw));
  service = await startTestService(testConfig(names, { registry: raw.model_registry }));
});

afterAll(async () => {
  await service?.stop();
});

describe("modelbus CLI", () => {
  it.each([
    [["--help"], "Commands:"],
    [["serve", "--help"], "Usage: modelbus serve"],
    [["send", "--help"], "--model NAME"],
    [["migrate", "--help"], "--status"],
  ])("%j prints its help", async (args, fragment) => {
    const result = await cli(args);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(fragment);
  });

  it("rejects an unknown command with a usage error", async () => {
    const result = await cli(["launch"]);
    expect(result.code).toBe(64);
    expect(result.stderr).toContain('unknown command "launch"');
  });

  it("send publishes a request and prints the response; exit 2 on an error response", async () => {
    const ok = await cli(["send", "--model", "main", "hello from the cli"]);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ status: "complete", message: { content: "mock answer: hello from the cli" } });
    const failed = await cli(["send", "--model", "main", "--envelope", "[mock:error=400] please fail"]);
    expect(failed.code).toBe(2);
    expect(JSON.parse(failed.stdout)).toMatchObject({ status: "error", error_code: "E_PROVIDER_REJECTED" });
  });

  it("serve refuses an invalid config with E_CONFIG_INVALID and the field's path", async () => {
    const bad = join(mkdtempSync(join(tmpdir(), "modelbus-cli-")), "bad.json");
    writeFileSync(bad, JSON.stringify({ retry: { max_attempts: "three" }, model_registry: { endpoints: {} } }));
    const result = await cli(["serve"], { MODELBUS_CONFIG: bad });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("E_CONFIG_INVALID");
    expect(result.stderr).toContain("retry.max_attempts");
    expect(result.stderr).toContain("model_registry.endpoints");
  });

  it("migrate applies once, then reports up to date", async () => {
    const database = await createTestDatabase();
    try {
      const env = { DATABASE_URL: database.url };
      expect((await cli(["migrate"], env)).stdout).toMatch(/applied: \d+_init/);
      expect((await cli(["migrate"], env)).stdout).toContain("applied: none");
      const status = await cli(["migrate", "--status"], env);
      expect(status.code).toBe(0);
      expect(JSON.parse(status.stdout)).toMatchObject({ upToDate: true, unapplied: [] });
      const rows = (await queryTestDatabase(database.url, "SELECT COUNT(*) AS n FROM _prisma_migrations")) as Array<{ n: number | bigint }>;
      expect(Number(rows[0]?.n)).toBe((await localMigrationNames()).length);
    } finally {
      await database.drop();
    }
  });
});
