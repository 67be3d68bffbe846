import { existsSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { environmentDefaults, loadConfig } from "../../src/config/load-config.ts";
import { parseDuration } from "../../src/config/parse-duration.ts";

interface Service {
  image?: string;
  build?: string;
  command?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  healthcheck?: { test: string[] };
  stop_grace_period?: string;
}

const compose = parse(readFileSync(new URL("../../docker-compose.yml", import.meta.url), "utf8")) as { services: Record<string, Service> };
const services = compose.services;
const modelbus = services.modelbus as Service;
const environment = modelbus.environment ?? {};

describe("docker-compose.yml agrees with the code", () => {
  it("runs NATS with JetStream, MariaDB and modelbus built from this repo", () => {
    expect(services.nats?.image).toMatch(/^nats:/);
    expect(services.nats?.command).toContain("-js");
    // Which version: test/integration/mysql8-compatibility.test.ts holds it to the tests' server.
    expect(services.mariadb?.image).toMatch(/^mariadb:\d+\.\d+$/);
    expect(modelbus.build).toBe(".");
    expect(existsSync(new URL("../../Dockerfile", import.meta.url))).toBe(true);
  });

  it("sets only environment variables modelbus reads", () => {
    for (const name of Object.keys(environment)) expect(Object.keys(environmentDefaults)).toContain(name);
  });

  it("points NATS_URL and DATABASE_URL at the compose services and their ports", () => {
    const nats = new URL(environment.NATS_URL ?? "");
    expect(nats.hostname).toBe("nats");
    expect(services.nats?.ports).toContain(`${nats.port}:${nats.port}`);
    const database = new URL(environment.DATABASE_URL ?? "");
    expect(database.hostname).toBe("mariadb");
    expect(services.mariadb?.ports).toContain(`${database.port}:${database.port}`);
    expect(database.pathname.slice(1)).toBe(services.mariadb?.environment?.MARIADB_DATABASE);
  });

  it("publishes the HTTP port modelbus listens on, on all interfaces, and health-checks it", () => {
    const port = environment.MODELBUS_HTTP_PORT;
    expect(environment.MODELBUS_HTTP_HOST).toBe("0.0.0.0");
    expect(modelbus.ports).toContain(`${port}:${port}`);
    expect(modelbus.healthcheck?.test.join(" ")).toContain(`127.0.0.1:${port}/readyz`);
  });

  it("gives the container a stop grace period longer than the config's shutdown_timeout and the HTTP drain's grace", () => {
    const loaded = loadConfig({ MODELBUS_CONFIG: environment.MODELBUS_CONFIG ?? "" });
    const graceMs = parseDuration(modelbus.stop_grace_period ?? "0s") ?? 0;
    expect(graceMs).toBeGreaterThan(loaded.config.service.shutdown_timeout + 2_000);
  });

  it("uses a config that validates and needs no API key (mock endpoints only)", () => {
    const loaded = loadConfig({ MODELBUS_CONFIG: environment.MODELBUS_CONFIG ?? "" });
    const endpoints = Object.values(loaded.config.model_registry.endpoints);
    expect(endpoints.length).toBeGreaterThan(0);
    for (const endpoint of endpoints) {
      expect(endpoint.provider).toBe("mock");
      expect(endpoint.api_key_env).toBeUndefined();
    }
  });
});

describe("Dockerfile agrees with the build", () => {
  const root = fileURLToPath(new URL("../..", import.meta.url));
  const lines = readFileSync(join(root, "Dockerfile"), "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "" && !line.startsWith("#"));
  const scripts = (JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts;

  it("builds with npm run build and runs the compiled CLI, as npm run start:prod does", () => {
    expect(lines.some((line) => line.startsWith("RUN ") && line.includes("npm run build"))).toBe(true);
    const command = JSON.parse(lines.findLast((line) => line.startsWith("CMD "))?.slice(4) ?? "[]") as string[];
    expect(command.join(" ")).toBe(scripts["start:prod"]);
    const build = ts.getParsedCommandLineOfConfigFile(
      join(root, "tsconfig.build.json"),
      {},
      { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined },
    );
    const { outDir = "", rootDir = "" } = build?.options ?? {};
    expect(build?.fileNames).toContain(join(root, "src/cli.ts"));
    expect(join(root, command[1] ?? "")).toBe(join(outDir, relative(rootDir, join(root, "src/cli.js"))));
  });

  it("copies only paths that exist in the repository", () => {
    const sources = lines.filter((line) => line.startsWith("COPY ") && !line.includes("--from=")).flatMap((line) => line.split(/\s+/).slice(1, -1));
    expect(sources.length).toBeGreaterThan(0);
    for (const source of sources) expect(existsSync(join(root, source)), source).toBe(true);
  });
});
