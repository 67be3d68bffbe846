import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import OpenAI from "openai";

/** Where one endpoint's non-streaming calls go, with its own keep-alive connection pool. */
export interface ChatCompletionsTarget {
  readonly url: URL;
  readonly request: typeof httpRequest;
  readonly agent: HttpAgent;
  /** Headers sent on every call (content type, accept, authorization when a key is set). */
  readonly headers: Readonly<Record<string, string>>;
}

/**
 * `${baseURL}/chat/completions` as the SDK builds it (one slash between the two), and a
 * keep-alive agent for it. `authorization` only when a key is set, like the SDK client.
 */
export function chatCompletionsTarget(baseURL: string, apiKey: string | undefined, extraHeaders: Readonly<Record<string, string>> = {}): ChatCompletionsTarget {
  const url = new URL(`${baseURL.endsWith("/") ? baseURL.slice(0, -1) : baseURL}/chat/completions`);
  const https = url.protocol === "https:";
  return {
    url,
    request: https ? (httpsRequest as unknown as typeof httpRequest) : httpRequest,
    agent: https ? new HttpsAgent({ keepAlive: true }) : new HttpAgent({ keepAlive: true }),
    headers: {
      "content-type": "application/json",
      accept: "application/json",
      ...extraHeaders,
      ...(apiKey === undefined ? {} : { authorization: `Bearer ${apiKey}` }),
    },
  };
}

function headersOf(response: IncomingMessage): Headers {
  const headers = new Headers();
  const raw = response.rawHeaders;
  for (let index = 0; index + 1 < raw.length; index += 2) {
    try {
      headers.append(raw[index] as string, raw[index + 1] as string);
    } catch {
      // A header value Headers refuses cannot be one we read.
    }
  }
  return headers;
}

/** The SDK's `safeJSON`: the parsed body, or undefined when it is not JSON. */
function safeJSON(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * The success body the way the SDK's `defaultParseResponse` reads it: null for 204, JSON for
 * a JSON media type (a body that does not parse throws its SyntaxError; `content-length: 0`
 * gives undefined), the text otherwise.
 */
function successBody(response: IncomingMessage, text: string): unknown {
  if (response.statusCode === 204) return null;
  const mediaType = response.headers["content-type"]?.split(";")[0]?.trim();
  const isJSON = mediaType !== undefined && (mediaType.includes("application/json") || mediaType.endsWith("+json"));
  if (!isJSON) return text;
  if (response.headers["content-length"] === "0") return undefined;
  return JSON.parse(text);
}

/** The SDK's test for a failed request that was a timeout rather than another socket error. */
function looksLikeTimeout(error: Error): boolean {
  return /timed? ?out/i.test(String(error) + ("cause" in error ? String(error.cause) : ""));
}

/**
 * POSTs one non-streaming Chat Completions body and resolves with the response body, read
 * as the `openai` SDK reads it. Failures reject with the SDK's own error classes, so that
 * classifyProviderError maps them exactly as it maps the SDK's: a status ≥ 400 →
 * `APIError.generate(status, body, message, headers)`; a socket error →
 * `APIConnectionError` (`APIConnectionTimeoutError` when it says it timed out);
 * `timeoutMs` passing before the body is complete → `APIConnectionTimeoutError`; the
 * signal → `APIUserAbortError`; a 2xx JSON body that does not parse → its SyntaxError.
 */
export function postChatCompletion(target: ChatCompletionsTarget, body: string, signal: AbortSignal, timeoutMs: number): Promise<unknown> {
  if (signal.aborted) return Promise.reject(new OpenAI.APIUserAbortError());
  return new Promise<unknown>((resolve, reject) => {
    let settled = false;
    const finish = (error: unknown, value?: unknown) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal.removeEventListener("abort", onAbort);
      if (error === undefined) resolve(value);
      else reject(error);
    };
    const fail = (error: unknown) => {
      if (settled) return;
      finish(error);
      outgoing.destroy();
    };
    const onAbort = () => fail(new OpenAI.APIUserAbortError());
    const timer = setTimeout(() => fail(new OpenAI.APIConnectionTimeoutError()), Math.max(1, Math.ceil(timeoutMs)));
    signal.addEventListener("abort", onAbort, { once: true });

    const outgoing = target.request(
      target.url,
      { method: "POST", agent: target.agent, headers: { ...target.headers, "content-length": Buffer.byteLength(body) } },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("error", (error: Error) => fail(new OpenAI.APIConnectionError({ cause: error })));
        response.on("aborted", () => fail(new OpenAI.APIConnectionError({ cause: new Error("aborted") })));
        response.on("end", () => {
          if (settled) return;
          if (!response.complete) {
            fail(new OpenAI.APIConnectionError({ cause: new Error("aborted") }));
            return;
          }
          const text = Buffer.concat(chunks).toString("utf8");
          const status = response.statusCode ?? 0;
          if (status >= 400) {
            const errorJSON = safeJSON(text);
            finish(OpenAI.APIError.generate(status, errorJSON as object | undefined, errorJSON ? undefined : text, headersOf(response)));
            return;
          }
          let parsed: unknown;
          try {
            parsed = successBody(response, text);
          } catch (error) {
            finish(error);
            return;
          }
          finish(undefined, parsed);
        });
      },
    );
    outgoing.on("error", (error: Error) => fail(looksLikeTimeout(error) ? new OpenAI.APIConnectionTimeoutError() : new OpenAI.APIConnectionError({ cause: error })));
    outgoing.end(body);
  });
}
