/**
 * Hot reload: a new config, read again from its file, takes effect for new requests while the
 * running ones finish as they started; throttle and breaker state of unchanged endpoints
 * carries over; an invalid config is refused with every problem listed and the old one stays;
 * keys that need a restart are reported. Under load: 1,000 requests while reloading 10 times,
 * each answered exactly once. And SIGHUP on a real `modelbus serve`.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/load-config.ts";
import { startService } from "../../src/main.ts";
import type { MockProviderServer } from "../../src/providers/mock/mock-provider-server.ts";
import { createLogger } from "../../src/observability/logger.ts";
import { metricValue } from "../support/fault-kit.ts";
import { ServiceProcess } from "../support/service-process.ts";
import { natsUrl, TestOrchestrator, uniqueNames, userRequest } from "../support/test-service.ts";
import type { LooseJson } from "../support/http-test-service.ts";

const cleanups: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

type Json = Record<string, unknown>;

/** A config file of its own, with unique NATS names and mock endpoints. */
function configFile(names: ReturnType<typeof uniqueNames>) {
  const path = join(mkdtempSync(join(tmpdir(), "modelbus-reload-")), "config.json");
  const raw = (registry: Json, extra: Json = {}): Json => ({
    store: { enabled: false },
    service: { timeout: "10s", shutdown_timeout: "5s", log_level: "silent" },
    nats: { stream: names.stream, subject_prefix: names.prefix, consumer: names.consumer, ack_wait: "5s", heartbeat_interval: "250ms", nak_delay: "200ms" },
    retry: { initial_delay: "20ms", max_delay: "2s", rate_limit_delay: "50ms", jitter: 0 },
    model_registry: registry,
    ...extra,
  });
  return { path, write: (registry: Json, extra?: Json) => writeFileSync(path, JSON.stringify(raw(registry, extra))), raw };
}

const endpoints = { slow: { provider: "mock", model: "slow-model", max_concurrent: 1 }, other: { provider: "mock", model: "other-model" } };

async function reloadingService(extra: Json = {}) {
  const names = uniqueNames();
  const file = configFile(names);
  file.write({ endpoints }, extra);
  const service = await startService({
    config: parseConfig(file.raw({ endpoints }, extra)),
    environment: { configPath: file.path, natsUrl, databaseUrl: "", httpHost: "127.0.0.1", httpPort: 0 },
    env: {},
    logger: createLogger({ level: "silent" }),
  });
  cleanups.push(() => service.stop());
  const orchestrator = await TestOrchestrator.connect(names);
  cleanups.push(() => orchestrator.close());
  const post = async (path: string, body?: unknown) => {
    const response = await fetch(`${service.httpUrl}${path}`, {
      method: "POST",
      ...(body === undefined ? {} : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as LooseJson };
  };
  const chat = (model: string) => post("/v1/chat/completions", { model, messages: [{ role: "user", content: "hi" }] });
  return { service, file, orchestrator, post, chat, mock: service.mockProvider as MockProviderServer };
}

describe("config reload", () => {
  it("applies a new registry to new requests, keeps a running request and the throttle of an unchanged endpoint, and reports restart-only keys", async () => {
    const { service, file, post, chat, mock } = await reloadingService();
    expect((await chat("friendly")).status).toBe(404);
    mock.enqueue("slow-model", { kind: "text", content: "started before", delay_ms: 600 });
    const running = chat("slow");
    await expect.poll(() => mock.inFlight, { timeout: 3_000 }).toBe(1);

    file.write(
      { endpoints: { ...endpoints, other: { ...endpoints.other, max_concurrent: 5 } }, model_aliases: { friendly: "slow" } },
      { nats: { concurrency: 8 } },
    );
    const reloaded = await post("/v1/admin/reload");
    expect(reloaded.status).toBe(200);
    expect(reloaded.body).toMatchObject({
      status: "applied",
      problems: [],
      restartRequired: expect.arrayContaining(["nats.concurrency"]),
      replacedEndpoints: ["other"],
    });
    expect(reloaded.body.restartRequired).not.toContain("model_registry.model_aliases.friendly");

    // The new alias serves new requests; the slow endpoint's one slot is still the one the running call holds.
    const viaAlias = chat("friendly");
    expect((await running).body.choices[0].message.content).toBe("started before");
    expect((await viaAlias).status).toBe(200);
    expect(mock.maxInFlight("slow-model")).toBe(1);
    const models = (await (await fetch(`${service.httpUrl}/v1/models`)).json()) as { data: Array<{ id: string }> };
    expect(models.data.map((entry) => entry.id)).toContain("friendly");
    expect(service.config.nats.concurrency).not.toBe(8); // waits for a restart
    expect(await metricValue(service, "modelbus_config_reloads_total", { result: "applied" })).toBe(1);
  });

  it("sends a retry that waits out its backoff across a reload to the endpoint's new throttle", async () => {
    const retry = { retry: { initial_delay: "600ms", max_delay: "2s", rate_limit_delay: "50ms", jitter: 0 } };
    const { file, post, chat, mock } = await reloadingService(retry);
    mock.enqueue("slow-model", { kind: "error", status: 503 });
    mock.enqueue("slow-model", { kind: "text", content: "after the retry" });
    const answer = chat("slow");
    await expect.poll(() => mock.requestsFor("slow-model").length, { timeout: 3_000 }).toBe(1);
    // The endpoint's limits change while the request sleeps before its retry; its old throttle goes idle and is stopped.
    file.write({ endpoints: { ...endpoints, slow: { ...endpoints.slow, max_concurrent: 2 } } }, retry);
    expect((await post("/v1/admin/reload")).body.replacedEndpoints).toEqual(["slow"]);
    const settled = await answer;
    expect(settled.status).toBe(200);
    expect(settled.body.choices[0].message.content).toBe("after the retry");
  });

  it("refuses an invalid config with every problem listed, keeps the running one, and says so in /readyz and a metric", async () => {
    const { service, file, post, chat } = await reloadingService();
    file.write({ endpoints: { slow: { provider: "mock" } }, model_aliases: { broken: "nowhere" } }, { retry: { max_attempts: 0 } });
    const refused = await post("/v1/admin/reload");
    expect(refused.status).toBe(500);
    expect(refused.body.error.code).toBe("E_CONFIG_INVALID");
    const problems: string[] = refused.body.error.details.problems;
    expect(problems.some((problem) => problem.includes("model_registry.endpoints.slow.model"))).toBe(true);
    expect(problems.some((problem) => problem.includes("retry.max_attempts"))).toBe(true);
    expect((await chat("other")).status).toBe(200); // the old config still serves
    const ready = (await (await fetch(`${service.httpUrl}/readyz`)).json()) as LooseJson;
    expect(ready.status).toBe("ready");
    expect(ready.config.last_reload).toMatchObject({ status: "refused", problems });
    expect(await metricValue(service, "modelbus_config_reloads_total", { result: "refused" })).toBe(1);
  });

  it("answers 1,000 requests exactly once while the config is reloaded 10 times", { timeout: 60_000 }, async () => {
    const { service, file, orchestrator } = await reloadingService();
    const ids = Array.from({ length: 1_000 }, (_, index) => `reload-load-${index}`);
    const sending = (async () => {
      for (let start = 0; start < ids.length; start += 50) {
        await Promise.all(ids.slice(start, start + 50).map((id) => orchestrator.publish(userRequest(id, "flip"))));
      }
    })();
    for (let round = 0; round < 10; round += 1) {
      // The alias flips between the two endpoints; their limits change every other round.
      file.write({
        endpoints: { ...endpoints, other: { ...endpoints.other, max_concurrent: round % 2 === 0 ? 0 : 4 } },
        model_aliases: { flip: round % 2 === 0 ? "other" : "slow" },
      });
      expect((await service.reload(`round ${round}`)).status).toBe("applied");
      await new Promise((resolve) => setTimeout(resolve, 80));
    }
    await sending;
    const answers = await Promise.all(ids.map((id) => orchestrator.response(id, 30_000)));
    expect(answers.every((answer) => answer.status === "complete")).toBe(true);
    const counts = await Promise.all(ids.map((id) => orchestrator.responseCount(id)));
    expect(counts.every((count) => count === 1)).toBe(true);
    expect(await metricValue(service, "modelbus_config_reloads_total", { result: "applied" })).toBe(10);
  });

  it("re-reads the file when it changes, with service.reload_on_change", async () => {
    const names = uniqueNames();
    const file = configFile(names);
    const raw = file.raw({ endpoints }, { service: { timeout: "10s", shutdown_timeout: "5s", log_level: "silent", reload_on_change: true } });
    writeFileSync(file.path, JSON.stringify(raw));
    const service = await startService({
      config: parseConfig(raw),
      environment: { configPath: file.path, natsUrl, databaseUrl: "", httpHost: "127.0.0.1", httpPort: 0 },
      env: {},
      logger: createLogger({ level: "silent" }),
    });
    cleanups.push(() => service.stop());
    writeFileSync(file.path, JSON.stringify({ ...raw, model_registry: { endpoints, model_aliases: { watched: "other" } } }));
    await expect.poll(() => metricValue(service, "modelbus_config_reloads_total", { result: "applied" }), { timeout: 5_000 }).toBe(1);
    const answer = await fetch(`${service.httpUrl}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "watched", messages: [{ role: "user", content: "hi" }] }),
    });
    expect(answer.status).toBe(200);
  });

  it("re-reads the config file on SIGHUP in a real `modelbus serve`", { timeout: 40_000 }, async () => {
    const names = uniqueNames();
    const registry = { endpoints: { main: { provider: "mock", model: "main-model" } } };
    const config = configFile(names).raw(registry, { service: { log_level: "info", shutdown_timeout: "5s" } });
    const child = await ServiceProcess.start({ config });
    cleanups.push(() => child.kill());
    const chat = async (model: string) =>
      (
        await fetch(`${child.httpUrl}/v1/chat/completions`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ model, messages: [{ role: "user", content: "hi" }] }),
        })
      ).status;
    expect(await chat("later")).toBe(404);
    child.rewriteConfig({ ...config, model_registry: { ...registry, model_aliases: { later: "main" } } });
    child.child.kill("SIGHUP");
    await child.waitFor(async () => child.logs.includes("config reloaded"), 10_000);
    expect(await chat("later")).toBe(200);
    expect(child.alive).toBe(true);
  });
});
