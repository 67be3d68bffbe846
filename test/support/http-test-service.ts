/**
 * HTTP-door tests: a whole service with a bearer key set, and a small fetch client that
 * sends it.
 */
import { randomBytes } from "node:crypto";
import { startService, type Service } from "../../src/main.ts";
import { createLogger } from "../../src/observability/logger.ts";
import { openAISchemaErrors } from "./openai-schemas.ts";
import { natsUrl, testConfig, type uniqueNames } from "./test-service.ts";

type Json = Record<string, unknown>;

export const testApiKey = `test-key-${randomBytes(8).toString("hex")}`;

/** testConfig with the store on (the HTTP doors need it) and an `http` section. */
export function httpTestConfig(
  names: ReturnType<typeof uniqueNames>,
  overrides: { http?: Json; store?: Json; service?: Json; registry?: Json; retry?: Json; budgets?: Json; breaker?: Json } = {},
) {
  return testConfig(names, { ...overrides, store: { enabled: true, ...overrides.store } });
}

export async function startHttpTestService(
  config: ReturnType<typeof httpTestConfig>,
  options: { databaseUrl?: string; apiKey?: string | undefined; host?: string } = {},
): Promise<Service> {
  const apiKey = "apiKey" in options ? options.apiKey : testApiKey;
  return startService({
    config,
    environment: { configPath: "(test)", natsUrl, databaseUrl: options.databaseUrl ?? "", httpHost: options.host ?? "127.0.0.1", httpPort: 0 },
    env: apiKey === undefined ? {} : { MODELBUS_API_KEY: apiKey },
    logger: createLogger({ level: config.service.log_level }),
  });
}

/** An answer read as loose JSON: what a test navigates with `.` without declaring each shape (the one `any` of the tree). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see above
export type LooseJson = any;

export interface HttpResult<T = LooseJson> {
  readonly status: number;
  readonly headers: Headers;
  readonly body: T;
  readonly text: string;
}

/** fetch with the test key (unless `auth: false` or another key), JSON in and out. */
export class HttpTestClient {
  constructor(
    readonly baseUrl: string,
    private readonly apiKey: string = testApiKey,
  ) {}

  async request<T = LooseJson>(
    method: string,
    path: string,
    options: { body?: unknown; headers?: Record<string, string>; auth?: boolean | string } = {},
  ): Promise<HttpResult<T>> {
    const headers: Record<string, string> = { ...options.headers };
    const key = typeof options.auth === "string" ? options.auth : options.auth === false ? undefined : this.apiKey;
    if (key !== undefined) headers.authorization = `Bearer ${key}`;
    if (options.body !== undefined) headers["content-type"] ??= "application/json";
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers,
      ...(options.body === undefined ? {} : { body: typeof options.body === "string" ? options.body : JSON.stringify(options.body) }),
    });
    const text = await response.text();
    let body: unknown;
    try {
      body = text === "" ? undefined : JSON.parse(text);
    } catch {
      body = undefined;
    }
    const problems = openAIShapeProblems(path, response, body, text);
    if (problems.length > 0) throw new Error(`${method} ${path} answered outside OpenAI's schemas:\n${problems.join("\n")}`);
    return { status: response.status, headers: response.headers, body: body as T, text };
  }

  get = <T = LooseJson>(path: string, options?: { headers?: Record<string, string>; auth?: boolean | string }) => this.request<T>("GET", path, options);
  post = <T = LooseJson>(path: string, body: unknown, options?: { headers?: Record<string, string>; auth?: boolean | string }) =>
    this.request<T>("POST", path, { ...options, body });
  patch = <T = LooseJson>(path: string, body: unknown) => this.request<T>("PATCH", path, { body });
  delete = <T = LooseJson>(path: string) => this.request<T>("DELETE", path);
}

/**
 * What every answer the tests see must be, by OpenAI's schemas (test/support/openai-schemas.ts):
 * an error body, a chat completion, the SSE chunks of one (an error event included), the model list.
 */
function openAIShapeProblems(path: string, response: Response, body: unknown, text: string): string[] {
  const route = path.split("?")[0];
  if ((response.headers.get("content-type") ?? "").startsWith("text/event-stream")) {
    return sseData(text)
      .filter((data) => data !== "[DONE]")
      .flatMap((data) => {
        const event = JSON.parse(data) as { error?: unknown };
        return openAISchemaErrors(event.error === undefined ? "CreateChatCompletionStreamResponse" : "ErrorResponse", event);
      });
  }
  // /readyz answers 503 with its own health report; every other failure is an error body.
  const healthReport = route === "/readyz" && typeof body === "object" && body !== null && "status" in body;
  if (response.status >= 400 && !healthReport)
    return body === undefined ? [`a ${response.status} whose body is not JSON: ${text.slice(0, 200)}`] : openAISchemaErrors("ErrorResponse", body);
  const object = (body as { object?: unknown } | undefined)?.object;
  if ((route === "/v1/chat/completions" && response.status === 200) || object === "chat.completion")
    return openAISchemaErrors("CreateChatCompletionResponse", body);
  if (route === "/v1/models" && response.status === 200) return openAISchemaErrors("ListModelsResponse", body);
  return [];
}

/** The `data:` payloads of an SSE body, in order (`[DONE]` included as the string). */
export function sseData(text: string): string[] {
  return text
    .split("\n\n")
    .filter((event) => event.trim() !== "")
    .map((event) => {
      const line = event.split("\n").find((candidate) => candidate.startsWith("data: "));
      if (line === undefined) throw new Error(`SSE event without data: ${JSON.stringify(event)}`);
      return line.slice("data: ".length);
    });
}
