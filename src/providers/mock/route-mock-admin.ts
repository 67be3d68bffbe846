/**
 * The scripting API over HTTP, for demos and out-of-process tests:
 *   POST /__mock/enqueue      {"model":"*","behaviours":[...]}  → {"queued": n, "pending": {...}}
 *   POST /__mock/reset        forget queues, records, seen models and stats
 *   POST /__mock/reset-stats  restart the in-flight maxima and request counts
 *   GET  /__mock/requests     {"requests": RecordedRequest[]}
 *   GET  /__mock/stats        {"in_flight","max_in_flight","requests","by_model","pending"}
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { MockBehaviour } from "./mock-behaviour.ts";
import { mockEnqueueSchema } from "./mock-behaviour.ts";
import type { MockTrafficStats, RecordedRequest } from "./mock-traffic-log.ts";
import { readJsonBody } from "./read-json-body.ts";
import { writeMockJson, writeOpenAIError } from "./write-mock-json.ts";

/** What the admin routes need from the server (its public scripting API). */
export interface MockAdminTarget {
  enqueue(model: string, ...behaviours: MockBehaviour[]): void;
  reset(): void;
  resetStats(): void;
  readonly requests: readonly RecordedRequest[];
  stats(): MockTrafficStats & { readonly pending: Readonly<Record<string, number>> };
}

async function enqueue(req: IncomingMessage, res: ServerResponse, target: MockAdminTarget): Promise<void> {
  const body = await readJsonBody(req);
  if (!body.ok) {
    writeOpenAIError(res, body.status, body.message);
    return;
  }
  const parsed = mockEnqueueSchema.safeParse(body.value);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => `${issue.path.join(".") || "body"}: ${issue.message}`);
    writeOpenAIError(res, 400, `invalid enqueue body: ${issues.join("; ")}`, { code: "invalid_mock_behaviour" });
    return;
  }
  target.enqueue(parsed.data.model, ...parsed.data.behaviours);
  writeMockJson(res, 200, { queued: parsed.data.behaviours.length, pending: target.stats().pending });
}

/** Handles `key` ("METHOD /path") if it is an admin route; returns false otherwise. */
export function routeMockAdmin(key: string, req: IncomingMessage, res: ServerResponse, target: MockAdminTarget): boolean {
  switch (key) {
    case "POST /__mock/enqueue":
      enqueue(req, res, target).catch(() => res.destroy());
      return true;
    case "POST /__mock/reset":
      target.reset();
      writeMockJson(res, 200, { ok: true });
      return true;
    case "POST /__mock/reset-stats":
      target.resetStats();
      writeMockJson(res, 200, { ok: true });
      return true;
    case "GET /__mock/requests":
      writeMockJson(res, 200, { requests: target.requests });
      return true;
    case "GET /__mock/stats":
      writeMockJson(res, 200, target.stats());
      return true;
    default:
      return false;
  }
}
