import { randomUUID } from "node:crypto";
import { z } from "zod";

/** The semstreams BaseMessage envelope (reference-semstreams.md §1.1). */
export const envelopeSchema = z.object({
  id: z.string().optional(),
  type: z.object({ domain: z.string(), category: z.string(), version: z.string() }),
  payload: z.unknown(),
  meta: z.record(z.string(), z.unknown()).optional(),
});

export type Envelope = z.output<typeof envelopeSchema>;

export const requestType = { domain: "agentic", category: "request", version: "v1" } as const;
export const responseType = { domain: "agentic", category: "response", version: "v1" } as const;

/** The source semstreams' agentic-model writes; kept so orchestrators see no difference. */
export const envelopeSource = "agentic-model";

/** An object is treated as an envelope when it has a `type` object and a `payload`. */
export function looksLikeEnvelope(value: unknown): boolean {
  if (value === null || typeof value !== "object") return false;
  const candidate = value as { type?: unknown; payload?: unknown };
  return candidate.type !== null && typeof candidate.type === "object" && "payload" in candidate;
}

export function isRequestType(type: Envelope["type"]): boolean {
  return type.domain === requestType.domain && type.category === requestType.category && type.version === requestType.version;
}

export function wrapResponse(payload: unknown, nowMs: number = Date.now()): Envelope {
  return {
    id: randomUUID(),
    type: { ...responseType },
    payload,
    meta: { created_at: nowMs, received_at: nowMs, source: envelopeSource },
  };
}
