import type { ProviderCallOptions, ProviderResult } from "../../core/chat-provider.ts";
import { ModelbusError } from "../../core/modelbus-error.ts";
import { classifyProviderError } from "../classify-provider-error.ts";
import type { StreamDeltas, StreamFold, StreamPartial } from "./stream-outcome.ts";

function interrupted(reason: string, partial: StreamPartial, cause?: unknown): ModelbusError {
  return new ModelbusError({
    code: "E_PROVIDER_STREAM_INTERRUPTED",
    message: `stream interrupted: ${reason}`,
    partial: {
      message: {
        role: "assistant",
        ...(partial.content ? { content: partial.content } : {}),
        ...(partial.reasoning ? { reasoning_content: partial.reasoning } : {}),
      },
      usage: partial.usage,
    },
    cause,
  });
}

/**
 * One streamed attempt, for either wire protocol: `open` starts the provider's stream (its SSE
 * events, under the attempt's own signal), `fold` turns its events into deltas and the final
 * result. Before the first published byte a failure is an ordinary, retryable one
 * (including "no first token in time"); after it, it is E_PROVIDER_STREAM_INTERRUPTED and
 * never retried, since the chunks already went out. The events end quietly on a cut stream and
 * on an abort (SseEvents, as the SDK's Stream does), so both are checked here.
 */
export async function streamAttempt<Event>(
  open: (signal: AbortSignal) => Promise<AsyncIterable<Event>>,
  fold: StreamFold<Event>,
  options: ProviderCallOptions,
): Promise<ProviderResult> {
  const attempt = new AbortController();
  const forward = () => attempt.abort(options.signal.reason);
  options.signal.addEventListener("abort", forward, { once: true });
  const firstTokenMs = options.firstTokenTimeoutMs;
  const firstTokenTimer =
    firstTokenMs && firstTokenMs > 0
      ? setTimeout(() => {
          const message = `no first token within ${firstTokenMs}ms`;
          attempt.abort(new ModelbusError({ code: "E_PROVIDER_TIMEOUT", message, retryReason: "transient" }));
        }, firstTokenMs)
      : undefined;
  const startedAt = performance.now();
  let published = false;
  let chunks = 0;
  const publish = (deltas: StreamDeltas) => {
    if (!deltas.contentDelta && !deltas.reasoningDelta) return;
    published = true;
    options.onDelta?.(deltas);
  };
  try {
    const stream = await open(attempt.signal);
    for await (const event of stream) {
      chunks += 1;
      publish(fold.push(event));
      if (firstTokenTimer && fold.started(event)) clearTimeout(firstTokenTimer);
    }
    if (attempt.signal.aborted) throw attempt.signal.reason;
  } catch (error) {
    const failure =
      error instanceof ModelbusError && !attempt.signal.aborted ? error : classifyProviderError(error, { nowMs: Date.now(), signal: attempt.signal });
    if (published && failure.code !== "E_CANCELLED") throw interrupted(failure.message, fold.partial(), error);
    throw failure;
  } finally {
    clearTimeout(firstTokenTimer);
    options.signal.removeEventListener("abort", forward);
  }
  const outcome = fold.finish();
  publish(outcome.finalDeltas);
  if (!outcome.ok) {
    if (!published) {
      throw new ModelbusError({ code: "E_PROVIDER_NETWORK", message: "stream ended before any output", retryReason: "transient" });
    }
    throw interrupted(`the stream ended without ${outcome.reason === "no finish_reason" ? "a finish reason" : "a terminal event"}`, outcome.partial);
  }
  const first = outcome.firstTokenAtMs === undefined ? undefined : outcome.firstTokenAtMs - startedAt;
  return { ...outcome.result, streamStats: { firstTokenMs: first, chunks } };
}
