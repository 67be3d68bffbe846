import { createHash } from "node:crypto";
import type { AgentRequest } from "../core/agent-request.ts";
import type { Logger } from "./logger.ts";
import type { SemstreamsMetrics } from "./semstreams-metrics.ts";

/**
 * The env vars that add the whole provider request body to the debug line, when set to exactly
 * "1": modelbus's own, and the one semstreams' agentic-model reads, so an operator's switch
 * keeps working after the move.
 */
export const fullPayloadEnvVars = ["MODELBUS_LOG_FULL_PAYLOAD", "SEMSTREAMS_LOG_FULL_PAYLOAD"] as const;

export interface ProviderRequestFacts {
  readonly requestId: string;
  readonly endpoint: string;
  readonly model: string;
  readonly messageCount: number;
  /** The body as sent (JSON text); the SDK adds `stream` fields to a streamed call's body. */
  readonly body: string;
}

/**
 * semstreams' redacted request logging: at debug, each provider request's size and the first
 * 8 hex digits of its SHA-256 (enough to tell two bodies apart, nothing of a conversation),
 * and the full body only behind an explicit env flag. Undefined when debug is off, so the
 * body is never serialised twice for nothing.
 */
export function providerRequestLogger(logger: Logger, env: NodeJS.ProcessEnv): ((facts: ProviderRequestFacts) => void) | undefined {
  if (!logger.isLevelEnabled("debug")) return undefined;
  const full = fullPayloadEnvVars.some((name) => env[name] === "1");
  return (facts) => {
    const details: Record<string, unknown> = {
      request_id: facts.requestId,
      endpoint: facts.endpoint,
      model: facts.model,
      message_count: facts.messageCount,
      payload_bytes: Buffer.byteLength(facts.body),
      payload_sha8: createHash("sha256").update(facts.body).digest("hex").slice(0, 8),
    };
    if (full) details.payload = facts.body;
    logger.debug(details, "provider request payload");
  };
}

export interface ProviderRequestObserverOptions {
  readonly logger: Logger;
  readonly env: NodeJS.ProcessEnv;
  readonly semstreams: SemstreamsMetrics | undefined;
  /** The endpoint's wire backend and provider model. */
  readonly endpointOf: (name: string) => { readonly wire_backend: string; readonly model: string } | undefined;
}

/**
 * What watches every provider request body just before it goes out: the debug line above,
 * and semstreams' request_bytes histogram (Responses backend only, as there). Undefined when
 * neither is on, so the hot path does nothing.
 */
export function providerRequestObserver(
  options: ProviderRequestObserverOptions,
): ((endpointName: string, request: AgentRequest, body: Record<string, unknown>) => void) | undefined {
  const log = providerRequestLogger(options.logger, options.env);
  const { semstreams } = options;
  if (!log && !semstreams) return undefined;
  return (endpointName, request, body) => {
    const endpoint = options.endpointOf(endpointName);
    const responses = endpoint?.wire_backend === "responses";
    if (!log && !responses) return;
    const text = JSON.stringify(body);
    if (responses && semstreams) semstreams.requestBytes("responses", endpoint.model, Buffer.byteLength(text));
    const items = (responses ? body.input : body.messages) as unknown[] | undefined;
    log?.({ requestId: request.request_id, endpoint: endpointName, model: String(body.model), messageCount: items?.length ?? 0, body: text });
  };
}
