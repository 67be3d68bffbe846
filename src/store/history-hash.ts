import { createHash } from "node:crypto";
import type { ChatMessage } from "../core/agent-request.ts";
import type { ResponseMessage } from "../core/agent-response.ts";

type HashableMessage = Pick<ChatMessage, "role" | "content" | "name" | "tool_call_id" | "tool_calls"> | ResponseMessage;

/** JSON with sorted object keys, so `{"a":1,"b":2}` and `{"b":2,"a":1}` hash alike. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, child]) => child !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, child]) => `${JSON.stringify(key)}:${canonicalJson(child)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/**
 * What identifies a message when an orchestrator resends history: role, text, tool name,
 * tool-call id and the calls themselves. Reasoning and metadata are left out, since loops
 * may drop them when they resend.
 */
export function messageHash(message: HashableMessage): string {
  const fields = [
    message.role,
    message.content ?? "",
    "name" in message ? (message.name ?? "") : "",
    "tool_call_id" in message ? (message.tool_call_id ?? "") : "",
    (message.tool_calls ?? []).map((call) => [call.id, call.name, call.arguments ?? {}]),
  ];
  return createHash("sha256").update(canonicalJson(fields)).digest("hex");
}

/** The hash of a history after one more message: h(n) = sha256(h(n-1) + hash(message n)). */
export function extendHistoryHash(previous: string, message: HashableMessage): string {
  return createHash("sha256").update(previous).update(messageHash(message)).digest("hex");
}
