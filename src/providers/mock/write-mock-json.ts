/** JSON responses of the mock, including OpenAI-shaped errors `{"error":{message,type,code}}`. */
import type { ServerResponse } from "node:http";

/** Sends `body` as JSON with the given status and extra headers. */
export function writeMockJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
  });
  res.end(text);
}

/** The OpenAI `type` and `code` that go with an HTTP status. */
export function openAIErrorKind(status: number): { type: string; code: string | null } {
  if (status === 400) return { type: "invalid_request_error", code: null };
  if (status === 401) return { type: "invalid_request_error", code: "invalid_api_key" };
  if (status === 403) return { type: "permission_error", code: null };
  if (status === 404) return { type: "invalid_request_error", code: "unknown_url" };
  if (status === 429) return { type: "rate_limit_error", code: "rate_limit_exceeded" };
  if (status >= 500) return { type: "server_error", code: null };
  return { type: "invalid_request_error", code: null };
}

/** Sends an OpenAI error body; `code` defaults to the usual one for the status. */
export function writeOpenAIError(
  res: ServerResponse,
  status: number,
  message: string,
  options: { code?: string | null; headers?: Record<string, string> } = {},
): void {
  const kind = openAIErrorKind(status);
  const error = { message, type: kind.type, code: options.code === undefined ? kind.code : options.code };
  writeMockJson(res, status, { error }, options.headers);
}
