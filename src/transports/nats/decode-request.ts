import type { z } from "zod";
import { agentRequestSchema, type AgentRequest } from "../../core/agent-request.ts";
import { envelopeSchema, isRequestType, looksLikeEnvelope, type Envelope } from "../../core/envelope.ts";
import { foldLikeGo, keyShapeOf } from "../../core/go-json-keys.ts";
import { ModelbusError } from "../../core/modelbus-error.ts";

export type WireForm = "bare" | "envelope";

export type DecodedRequest =
  | { readonly kind: "request"; readonly request: AgentRequest; readonly form: WireForm; readonly envelope?: Envelope }
  | { readonly kind: "invalid"; readonly error: ModelbusError; readonly form: WireForm; readonly requestId?: string };

const decoder = new TextDecoder();
const envelopeKeys = keyShapeOf(envelopeSchema);
const requestKeys = keyShapeOf(agentRequestSchema);

function formatIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues.map((issue) => `${issue.path.join(".") || "(payload)"}: ${issue.message}`).join("; ");
}

/** Last resort for a reply address: a request_id readable even in broken JSON. */
function scrapeRequestId(text: string): string | undefined {
  const match = /"request_id"\s*:\s*"((?:[^"\\]|\\.){1,200})"/.exec(text);
  return match?.[1];
}

function readRequestId(value: unknown): string | undefined {
  const id = (value as { request_id?: unknown } | null)?.request_id;
  return typeof id === "string" && id !== "" ? id : undefined;
}

function invalid(code: "E_PAYLOAD_INVALID" | "E_REQUEST_INVALID", message: string, form: WireForm, requestId?: string): DecodedRequest {
  const error = new ModelbusError({ code, message });
  return requestId === undefined ? { kind: "invalid", error, form } : { kind: "invalid", error, form, requestId };
}

/**
 * semstreams' rule for the wire: a temperature is sent to the provider only when it is above 0
 * (Go's zero value means "not set"), so 0 or less here is no temperature at all, and the
 * session's or agent's applies. The HTTP door sends 0 as 0, as OpenAI's API does.
 */
function withSemstreamsTemperature(request: AgentRequest): AgentRequest {
  if (request.temperature === undefined || request.temperature > 0) return request;
  const { temperature: _unset, ...rest } = request;
  return rest;
}

/**
 * Decodes a request delivery: bare AgentRequest JSON or the semstreams envelope, with keys
 * matched as Go's encoding/json matches them (case-insensitively; `null` as absent), so any
 * request a semstreams release can write is read. Never throws; bad input comes back as
 * `invalid` with whatever request_id could be read, so the caller can still answer the
 * orchestrator before terminating the delivery.
 */
export function decodeRequest(data: Uint8Array, maxBytes: number): DecodedRequest {
  const text = decoder.decode(data);
  if (data.byteLength > maxBytes) {
    return invalid(
      "E_PAYLOAD_INVALID",
      `payload is ${data.byteLength} bytes, over max_payload_bytes ${maxBytes}`,
      "bare",
      scrapeRequestId(text.slice(0, 4_096)),
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    return invalid("E_PAYLOAD_INVALID", `payload is not JSON: ${(error as Error).message}`, "bare", scrapeRequestId(text));
  }
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    return invalid("E_PAYLOAD_INVALID", "payload is not a JSON object", "bare");
  }
  let form: WireForm = "bare";
  let payload: unknown;
  let envelope: Envelope | undefined;
  const asEnvelope = foldLikeGo(raw, envelopeKeys);
  if (looksLikeEnvelope(asEnvelope)) {
    form = "envelope";
    const parsed = envelopeSchema.safeParse(asEnvelope);
    if (!parsed.success) return invalid("E_PAYLOAD_INVALID", `bad envelope: ${formatIssues(parsed.error.issues)}`, form);
    envelope = parsed.data;
    payload = foldLikeGo(envelope.payload, requestKeys);
    if (!isRequestType(envelope.type)) {
      const { domain, category, version } = envelope.type;
      return invalid("E_PAYLOAD_INVALID", `unsupported message type ${domain}.${category}.${version}`, form, readRequestId(payload));
    }
  } else {
    payload = foldLikeGo(raw, requestKeys);
  }
  const parsed = agentRequestSchema.safeParse(payload);
  if (!parsed.success) return invalid("E_REQUEST_INVALID", formatIssues(parsed.error.issues), form, readRequestId(payload));
  const request = withSemstreamsTemperature(parsed.data);
  return envelope ? { kind: "request", request, form, envelope } : { kind: "request", request, form };
}
