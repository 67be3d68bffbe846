/**
 * The metrics a Prometheus scrapes: standard names for the process and Node.js series, ours
 * under modelbus_ with units in their names, labels bounded, and Prometheus' own lint
 * (`promtool check metrics`, Debian's prometheus package) passing on a scrape taken under load.
 * /metrics can also be served on a listener of its own, without the bearer key.
 */
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Service } from "../../src/main.ts";
import { httpTestConfig, HttpTestClient, startHttpTestService } from "../support/http-test-service.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";
import { TestOrchestrator, uniqueNames, userRequest } from "../support/test-service.ts";

let database: TestDatabase;
let service: Service;
let orchestrator: TestOrchestrator;
let scrape = "";
const strangers = Array.from({ length: 20 }, () => `client-model-${randomBytes(4).toString("hex")}`);

beforeAll(async () => {
  database = await createTestDatabase();
  const names = uniqueNames();
  const config = httpTestConfig(names);
  service = await startHttpTestService({ ...config, metrics: { ...config.metrics, port: 0, host: "127.0.0.1" } }, { databaseUrl: database.url });
  orchestrator = await TestOrchestrator.connect(names);
  const client = new HttpTestClient(service.httpUrl);
  // Load of every kind: both doors, streaming, errors, unknown model names (they fall to no default here).
  await Promise.all([
    ...Array.from({ length: 20 }, (_, index) => orchestrator.send(userRequest(`lint-${index}`, index % 2 ? "main" : "fast", "hello"))),
    ...Array.from({ length: 10 }, () => client.post("/v1/chat/completions", { model: "general", messages: [{ role: "user", content: "hi" }], stream: true })),
    ...strangers.map((model) => client.post("/v1/chat/completions", { model, messages: [{ role: "user", content: "hi" }] })),
    client.post("/v1/chat/completions", { model: "main", messages: [] }),
  ]);
  const response = await fetch(`${service.metricsUrl}/metrics`);
  expect(response.status).toBe(200);
  scrape = await response.text();
}, 60_000);

afterAll(async () => {
  await orchestrator?.close();
  await service?.stop();
  await database?.drop();
});

describe("metrics", () => {
  it("pass Prometheus' own lint (promtool check metrics) on a scrape taken under load", () => {
    const lint = spawnSync("promtool", ["check", "metrics"], { input: scrape, encoding: "utf8" });
    if (lint.error) throw new Error(`promtool is needed (Debian: apt-get install prometheus; .ci/run installs it): ${lint.error.message}`);
    expect(`${lint.stdout}${lint.stderr}`.trim()).toBe("");
    expect(lint.status).toBe(0);
  });

  it("name the process and Node.js series as dashboards know them, and ours under modelbus_", () => {
    for (const name of [
      "process_cpu_seconds_total",
      "process_resident_memory_bytes",
      "nodejs_eventloop_lag_seconds",
      "nodejs_heap_size_used_bytes",
      "modelbus_requests_total",
      "modelbus_request_duration_seconds",
    ]) {
      expect(scrape, name).toMatch(new RegExp(`^# TYPE ${name} `, "m"));
    }
    expect(scrape).not.toContain("modelbus_process_");
    const families = [...scrape.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((match) => ({ name: match[1] as string, type: match[2] as string }));
    for (const { name, type } of families) {
      if (type === "counter") expect(name, name).toMatch(/_total$/);
      else expect(name, name).not.toMatch(/_total$/);
    }
  });

  it("keep labels bounded: no request ids, no model names clients made up", () => {
    for (const model of strangers) expect(scrape).not.toContain(model);
    expect(scrape).not.toMatch(/lint-\d+/);
    expect(scrape).not.toMatch(/http-[0-9a-f]{8}-/);
  });

  it("serve /metrics on their own listener without the key, while the HTTP server's asks for it", async () => {
    expect((await fetch(`${service.httpUrl}/metrics`)).status).toBe(401);
    expect((await fetch(`${service.metricsUrl}/metrics`)).status).toBe(200);
    expect((await fetch(`${service.metricsUrl}/v1/models`)).status).toBe(404);
  });
});
