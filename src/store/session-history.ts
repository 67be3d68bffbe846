/**
 * A session's history as the store recognises it: each message's hash, and the plan for
 * appending a turn (which messages are new) from the stored hashes.
 */
import { hash } from "node:crypto";
import type { ChatMessage } from "../core/agent-request.ts";
import type { ResponseMessage } from "../core/agent-response.ts";
import { canonicalJson } from "../core/canonical-json.ts";

export interface StoredHistory {
  readonly messageCount: number;
  readonly historyHash: string;
}

export type HistoryPlan =
  /** The incoming history starts with everything stored: store only the rest. */
  | { readonly kind: "append"; readonly newMessages: readonly ChatMessage[]; readonly historyHash: string }
  /** The incoming history does not continue the stored one: keep both, start a branch. */
  | { readonly kind: "diverged"; readonly historyHash: string };

/**
 * Agent loops resend the whole history every turn. Comparing the rolling hash of the
 * first `messageCount` incoming messages with the stored one tells, in one pass and
 * without reading stored rows, whether the request continues the session.
 */
export function planHistoryAppend(stored: StoredHistory, incoming: readonly ChatMessage[]): HistoryPlan {
  let hash = "";
  let prefixHash = stored.messageCount === 0 ? "" : undefined;
  incoming.forEach((message, index) => {
    hash = extendHistoryHash(hash, message);
    if (index + 1 === stored.messageCount) prefixHash = hash;
  });
  if (prefixHash !== undefined && prefixHash === stored.historyHash) {
    return { kind: "append", newMessages: incoming.slice(stored.messageCount), historyHash: hash };
  }
  return { kind: "diverged", historyHash: hash };
}

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
