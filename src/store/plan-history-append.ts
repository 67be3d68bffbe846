import type { ChatMessage } from "../core/agent-request.ts";
import { extendHistoryHash } from "./history-hash.ts";

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
