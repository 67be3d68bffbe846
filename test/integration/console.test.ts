/**
 * The operator console (/console) in a real headless Chromium (Debian's `chromium`, driven by
 * playwright-core), against a whole service: real NATS, MariaDB and the built-in mock provider.
 * With CONSOLE_SCREENSHOTS=<folder> set, each page is saved there at 1366×768 (the
 * docs/console-*.png that README.md and docs/http-api.md show come from `CONSOLE_SCREENSHOTS=docs npx vitest run test/integration/console.test.ts`).
 */
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Service } from "../../src/main.ts";
import type { MockProviderServer } from "../../src/providers/mock/mock-provider-server.ts";
import { HttpTestClient, httpTestConfig, startHttpTestService, testApiKey } from "../support/http-test-service.ts";
import { createTestDatabase, type TestDatabase } from "../support/test-database.ts";
import { TestOrchestrator, uniqueNames, userRequest } from "../support/test-service.ts";

const chromiumPath = "/usr/bin/chromium";
const chromiumArgs = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
const viewport = { width: 1366, height: 768 };
const screenshots = process.env.CONSOLE_SCREENSHOTS;

const names = uniqueNames();
let database: TestDatabase;
let service: Service;
let mock: MockProviderServer;
let orchestrator: TestOrchestrator;
let client: HttpTestClient;
let profile: string;
let browser: BrowserContext;

beforeAll(async () => {
  // No skipping: without the browser the console is untested, and that is a failure.
  if (!existsSync(chromiumPath)) throw new Error(`${chromiumPath} not found: install Debian's chromium (apt-get install chromium; .ci/run does)`);
  database = await createTestDatabase();
  service = await startHttpTestService(
    httpTestConfig(names, {
      retry: { max_attempts: 1 },
      breaker: { window: 4, min_calls: 2, failure_ratio: 0.5, cooldown: "10m" },
      registry: {
        endpoints: {
          main: {
            provider: "mock",
            model: "main-model",
            supports_tools: true,
            requests_per_minute: 6,
            burst: 20,
            tokens_per_minute: 200_000,
            max_concurrent: 8,
            input_price_per_1m_tokens: 3,
            output_price_per_1m_tokens: 15,
          },
          flaky: { provider: "mock", model: "flaky-model" },
        },
        model_aliases: { fast: "main" },
      },
    }),
    { databaseUrl: database.url },
  );
  mock = service.mockProvider as MockProviderServer;
  orchestrator = await TestOrchestrator.connect(names);
  client = new HttpTestClient(service.httpUrl);
  profile = await mkdtemp(join(tmpdir(), "modelbus-console-"));
  browser = await chromium.launchPersistentContext(profile, { executablePath: chromiumPath, headless: true, args: chromiumArgs, viewport });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  if (profile) await rm(profile, { recursive: true, force: true });
  await orchestrator?.close();
  await service?.stop();
  await database?.drop();
});

async function shot(page: Page, name: string): Promise<void> {
  if (!screenshots) return;
  await page.screenshot({ path: join(screenshots, `console-${name}.png`) });
}

/** A new tab (its own session storage), signed in. */
async function signedIn(hash = ""): Promise<Page> {
  const page = await browser.newPage();
  await page.goto(`${service.httpUrl}/console/${hash}`);
  await page.fill("#login-key", testApiKey);
  await page.click("#login-form button[type=submit]");
  await page.locator("#app").waitFor({ state: "visible" });
  return page;
}

describe("operator console", () => {
  it("serves the page and its files without the key, and nothing else", async () => {
    const page = await fetch(`${service.httpUrl}/console`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(page.headers.get("content-security-policy")).toContain("default-src 'self'");
    const html = await page.text();
    for (const asset of html.matchAll(/(?:src|href)="(\/console\/[^"]+)"/g)) expect((await fetch(`${service.httpUrl}${asset[1]}`)).status, asset[1]).toBe(200);
    expect((await fetch(`${service.httpUrl}/console/console.js`)).headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect((await fetch(`${service.httpUrl}/console/no-such-file.js`)).status).toBe(401);
    expect((await fetch(`${service.httpUrl}/v1/inferences`)).status).toBe(401);
  });

  it("signs in: a wrong key stays on the form with the reason, the right one shows the endpoints", async () => {
    const page = await browser.newPage();
    await page.goto(`${service.httpUrl}/console`);
    await page.fill("#login-key", `${testApiKey}-wrong`);
    await page.click("#login-form button[type=submit]");
    await expect.poll(() => page.locator("#login-error").textContent()).toContain("That key was refused (E_UNAUTHORIZED)");
    expect(await page.locator("#app").isHidden()).toBe(true);
    expect(await page.evaluate<number>("sessionStorage.length")).toBe(0);
    await shot(page, "login");

    await page.fill("#login-key", testApiKey);
    await page.click("#login-form button[type=submit]");
    await page.locator('#endpoints-table tr[data-endpoint="main"]').waitFor();
    expect(await page.locator("#endpoints-table tbody tr").count()).toBe(2);
    expect(await page.evaluate<string[]>("Object.values(sessionStorage)")).toEqual([testApiKey]);
    // Reloading keeps the tab signed in; signing out forgets the key.
    await page.reload();
    await page.locator('#endpoints-table tr[data-endpoint="main"]').waitFor();
    await page.click("#sign-out");
    await page.locator("#login").waitFor({ state: "visible" });
    expect(await page.evaluate<number>("sessionStorage.length")).toBe(0);
    await page.close();
  });

  it("signs in with an empty key on a loopback service without one, and says what needs the store", async () => {
    const openNames = uniqueNames();
    const open = await startHttpTestService(httpTestConfig(openNames, { store: { enabled: false } }), { apiKey: undefined });
    const page = await browser.newPage();
    try {
      await page.goto(`${open.httpUrl}/console`);
      await page.click("#login-form button[type=submit]");
      await page.locator('#endpoints-table tr[data-endpoint="main"]').waitFor();
      await page.click('nav a[data-view="inferences"]');
      await expect.poll(() => page.locator("#view .notice").textContent()).toContain("need the store");
    } finally {
      await page.close();
      await open.stop();
      await (await TestOrchestrator.connect(openNames)).close(); // deletes its stream
    }
  });

  it("shows the endpoint table following a breaker as it opens", async () => {
    for (let index = 0; index < 4; index++) {
      mock.enqueue("main-model", { kind: "text", content: "fine", delay_ms: 20 + index * 15, usage: { prompt_tokens: 40, completion_tokens: 12 } });
      expect((await orchestrator.send(userRequest(`console-warm-${index}`, "main"))).status).toBe("complete");
    }
    const page = await signedIn("#/endpoints");
    const flaky = page.locator('#endpoints-table tr[data-endpoint="flaky"]');
    await flaky.waitFor();
    expect(await flaky.locator("td.breaker").textContent()).toBe("closed");

    mock.enqueue("flaky-model", { kind: "error", status: 503 }, { kind: "error", status: 503 });
    for (const id of ["console-flaky-1", "console-flaky-2"]) expect((await orchestrator.send(userRequest(id, "flaky"))).status).toBe("error");
    // The table refreshes itself: no reload.
    await expect.poll(() => flaky.locator("td.breaker").textContent(), { timeout: 15_000 }).toBe("open");
    expect(await flaky.locator("td.health").textContent()).toBe("unavailable");
    expect(await flaky.locator("td.error-rate").textContent()).toBe("100 %");
    const main = page.locator('#endpoints-table tr[data-endpoint="main"]');
    expect(await main.locator("td.p50").textContent()).toMatch(/^\d+ ms$/);
    expect(await main.locator("td.requests-left").textContent()).toMatch(/^1[67] \/ 20$/);
    await shot(page, "endpoints");
    await page.close();

    // The same facts through the API the page reads.
    const endpoints = await client.get("/v1/endpoints");
    const byName = new Map(endpoints.body.data.map((endpoint: { name: string }) => [endpoint.name, endpoint]));
    expect(byName.get("flaky")).toMatchObject({ health: "unavailable", breaker: "open", recent: { window_seconds: 300, calls: 2, errors: 2, error_rate: 1 } });
    const mainView = byName.get("main") as { remaining: { requests: number; tokens: number }; recent: { calls: number; p50_ms: number; p99_ms: number } };
    expect(mainView.recent.calls).toBe(4);
    expect(mainView.recent.p99_ms).toBeGreaterThanOrEqual(mainView.recent.p50_ms);
    // 20 in the bucket, 4 taken, refilling one every 10 s.
    expect(mainView.remaining.requests).toBeGreaterThanOrEqual(16);
    expect(mainView.remaining.requests).toBeLessThan(20);
    expect(mainView.remaining.tokens).toBeGreaterThan(190_000);
    expect(mainView.remaining.tokens).toBeLessThanOrEqual(200_000);
    expect(byName.get("flaky")).toMatchObject({ remaining: { requests: null, tokens: null } });
  });

  it("shows an inference after a NATS request, with its latency, tokens and cost, and filters the list", async () => {
    const page = await signedIn("#/inferences");
    await page.locator("#inferences-table").waitFor();
    mock.enqueue("main-model", { kind: "text", content: "Over NATS.", usage: { prompt_tokens: 1_000, completion_tokens: 200 } });
    expect((await orchestrator.send(userRequest("console-nats-1", "main", "hello from a loop", { loop_id: "loop-console-1" }))).status).toBe("complete");
    // Refreshed by the page itself.
    const row = page.locator('#inferences-table tr[data-request-id="console-nats-1"]');
    await row.waitFor({ timeout: 15_000 });
    const text = await row.textContent();
    expect(text).toContain("main-model");
    expect(text).toContain("1,000 / 200");
    expect(text).toContain("$0.0060"); // 1000 × $3/M + 200 × $15/M
    expect(text).toContain("loop-console-1");
    await shot(page, "inferences");

    await page.selectOption('#inference-filters select[name="status"]', "error");
    await page.click('#inference-filters button[type="submit"]');
    await expect.poll(() => page.evaluate<string>("location.hash")).toBe("#/inferences?status=error");
    await expect.poll(() => page.locator("#inferences-table tbody tr").count()).toBe(2);
    expect(await page.locator('#inferences-table tr[data-status="error"]').count()).toBe(2);
    await page.fill('#inference-filters input[name="loop"]', "loop-console-1");
    await page.selectOption('#inference-filters select[name="status"]', "");
    await page.click('#inference-filters button[type="submit"]');
    await expect.poll(() => page.locator("#inferences-table tbody tr").count()).toBe(1);
    await page.close();

    const listed = await client.get("/v1/inferences?loop=loop-console-1");
    expect(listed.status).toBe(200);
    expect(listed.body.data).toHaveLength(1);
    expect(listed.body.data[0]).toMatchObject({
      request_id: "console-nats-1",
      endpoint: "main",
      provider_model: "main-model",
      status: "complete",
      finish_reason: "stop",
      prompt_tokens: 1_000,
      completion_tokens: 200,
      cost: 0.006,
      retry_count: 0,
      error_code: null,
      loop_id: "loop-console-1",
      agent: null,
      session_id: expect.any(String),
    });
    expect(listed.body.data[0].latency_ms).toBeGreaterThanOrEqual(0);
  });

  it("creates, edits and deletes an agent through the form; the API sees each change", async () => {
    const page = await signedIn("#/agents");
    page.on("dialog", (dialog) => void dialog.accept());
    await page.locator("#view .notice, #agents-table").first().waitFor();
    await page.click("#new-agent");
    const form = page.locator("#agent-form");
    await form.locator('input[name="key"]').fill("console-tutor");
    await form.locator('input[name="display_name"]').fill("Console tutor");
    await form.locator('input[name="default_model"]').fill("main");
    await form.locator('input[name="fallback_models"]').fill("fast");
    await form.locator('input[name="temperature"]').fill("0.3");
    await form.locator('textarea[name="system_prompt"]').fill("You are a patient tutor. Answer briefly.");
    await form.locator('textarea[name="budget"]').fill('{"tokens": {"per_day": 100000}}');
    await form.locator('button[type="submit"]').click();
    await page.locator('#agents-table tr[data-agent="console-tutor"]').waitFor();
    await page.locator("#agent-detail").waitFor();
    const created = await client.get("/v1/agents");
    expect(created.body.data).toContainEqual(
      expect.objectContaining({
        key: "console-tutor",
        display_name: "Console tutor",
        default_model: "main",
        fallback_models: ["fast"],
        temperature: 0.3,
        system_prompt: "You are a patient tutor. Answer briefly.",
        budget: { tokens: { per_day: 100_000 } },
      }),
    );
    await shot(page, "agents");

    // A bad field is the API's 400, on the form.
    await page.click('#agents-table tr[data-agent="console-tutor"] button:has-text("Edit")');
    await form.locator('input[name="temperature"]').fill("7");
    await form.locator('button[type="submit"]').click();
    await expect.poll(() => form.locator(".error").textContent()).toContain("E_REQUEST_INVALID");
    await form.locator('input[name="temperature"]').fill("0.5");
    await form.locator('input[name="display_name"]').fill("Console tutor 2");
    await form.locator('button[type="submit"]').click();
    await expect.poll(async () => (await client.get("/v1/agents/console-tutor")).body.display_name).toBe("Console tutor 2");
    expect((await client.get("/v1/agents/console-tutor")).body.temperature).toBe(0.5);

    const doomed = await client.post("/v1/agents", { key: "console-doomed" });
    expect(doomed.status).toBe(201);
    await page.reload();
    await page.click('#agents-table tr[data-agent="console-doomed"] button:has-text("Delete")');
    await page.locator('#agents-table tr[data-agent="console-doomed"]').waitFor({ state: "detached" });
    expect((await client.get("/v1/agents/console-doomed")).status).toBe(404);
    await page.close();
  });

  it("renders a session transcript with its tool calls and reasoning", async () => {
    const weather = { name: "get_weather", description: "Weather for a city", parameters: { type: "object", properties: { city: { type: "string" } } } };
    mock.enqueue("main-model", {
      kind: "text",
      content: "It is 14 °C and cloudy in London.",
      reasoning_content: "The tool answered 14 °C with clouds; say so plainly.",
    });
    const response = await orchestrator.send({
      request_id: "console-transcript-1",
      model: "main",
      agent: "console-tutor",
      loop_id: "loop-weather",
      tools: [weather],
      messages: [
        { role: "user", content: "What is the weather in London?" },
        { role: "assistant", content: "", tool_calls: [{ id: "call_weather_1", name: "get_weather", arguments: { city: "London" } }] },
        { role: "tool", tool_call_id: "call_weather_1", content: '{"celsius": 14, "sky": "cloudy"}' },
      ],
    });
    expect(response.status).toBe("complete");
    const listed = await client.get("/v1/inferences?agent=console-tutor&loop=loop-weather");
    expect(listed.body.data).toHaveLength(1);
    expect(listed.body.data[0]).toMatchObject({ request_id: "console-transcript-1", agent: "console-tutor", loop_id: "loop-weather" });
    const sessionId = listed.body.data[0].session_id as string;

    // From the inferences view, the session link opens the transcript.
    const page = await signedIn("#/inferences?agent=console-tutor");
    await page.click(`#inferences-table a[href="#/transcript/${sessionId}"]`);
    await page.locator("#transcript").waitFor();
    expect(await page.locator("#transcript article.message").count()).toBe(5); // the agent's prompt and four messages
    const call = page.locator("#transcript .tool-call");
    expect(await call.locator(".tool-name").textContent()).toBe("get_weather");
    expect(JSON.parse((await call.locator(".tool-arguments").textContent()) ?? "")).toEqual({ city: "London" });
    expect(await page.locator("#transcript .role-tool").textContent()).toContain("result of call_weather_1");
    expect(await page.locator("#transcript .reasoning pre").textContent()).toBe("The tool answered 14 °C with clouds; say so plainly.");
    expect(await page.locator("#transcript .role-assistant .content").last().textContent()).toBe("It is 14 °C and cloudy in London.");
    expect(await page.locator("#transcript .role-system").textContent()).toContain("You are a patient tutor.");
    await shot(page, "transcript");
    await page.close();
  });
});
