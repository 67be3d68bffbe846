import type { AgentResponse } from "../../core/agent-response.ts";
import { wrapResponse } from "../../core/envelope.ts";
import type { WireForm } from "./decode-request.ts";

const encoder = new TextEncoder();

/** The reply takes the form of the request: bare JSON, or the semstreams envelope. */
export function encodeResponse(response: AgentResponse, form: WireForm): Uint8Array {
  return encoder.encode(JSON.stringify(form === "envelope" ? wrapResponse(response) : response));
}

/** Reads a published response back (either form); undefined when it is not one. */
export function decodeResponse(data: Uint8Array): AgentResponse | undefined {
  try {
    const value = JSON.parse(new TextDecoder().decode(data)) as { payload?: unknown; request_id?: unknown };
    const response = (typeof value.request_id === "string" ? value : value.payload) as AgentResponse | undefined;
    return typeof response?.request_id === "string" && typeof response.status === "string" ? response : undefined;
  } catch {
    return undefined;
  }
}
