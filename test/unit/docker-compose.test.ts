import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { environmentDefaults, loadConfig } from "../../src/config/load-config.ts";

interface Service {
  image?: string;
  build?: string;
  command?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  healthcheck?: { test: string[] };
}

const compose = parse(readFileSync(new URL("../../docker-compose.yml", import.meta.url), "utf8")) as { services: Record<string, Service> };
const services = compose.services;
const modelbus = services.modelbus as Service;
const environment = modelbus.environment ?? {};

describe("docker-compose.yml agrees with the code", () => {
  it("runs NATS with JetStream, MySQL and modelbus built from this repo", () => {
    expect(services.nats?.image).toMatch(/^nats:/);
    expect(services.nats?.command).toContain("-js");
    expect(services.mysql?.image).toMatch(/^mysql:8/);
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
    expect(database.hostname).toBe("mysql");
    expect(services.mysql?.ports).toContain(`${database.port}:${database.port}`);
    expect(database.pathname.slice(1)).toBe(services.mysql?.environment?.MYSQL_DATABASE);
  });

  it("publishes the HTTP port modelbus listens on, on all interfaces, and health-checks it", () => {
    const port = environment.MODELBUS_HTTP_PORT;
    expect(environment.MODELBUS_HTTP_HOST).toBe("0.0.0.0");
    expect(modelbus.ports).toContain(`${port}:${port}`);
    expect(modelbus.healthcheck?.test.join(" ")).toContain(`127.0.0.1:${port}/readyz`);
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
