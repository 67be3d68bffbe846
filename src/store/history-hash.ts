import { hash } from "node:crypto";
import type { ChatMessage } from "../core/agent-request.ts";
import type { ResponseMessage } from "../core/agent-response.ts";
import { canonicalJson } from "../core/canonical-json.ts";

type HashableMessage = Pick<ChatMessage, "role" | "content" | "name" | "tool_call_id" | "tool_calls"> | ResponseMessage;

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
  return hash("sha256", canonicalJson(fields));
}

/**
 * The hash of a history after one more message: h(n) = sha256(h(n-1) + hash(message n)).
 * One-shot `crypto.hash` (hex): a third of createHash's cost for inputs this small.
 */
export function extendHistoryHash(previous: string, message: HashableMessage): string {
  return hash("sha256", previous + messageHash(message));
}
