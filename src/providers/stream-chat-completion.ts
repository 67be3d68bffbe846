import type OpenAI from "openai";
import type { ChatCompletionCreateParamsNonStreaming } from "openai/resources/chat/completions";
import type { ProviderCallOptions, ProviderResult } from "../core/chat-provider.ts";
import { ModelbusError } from "../core/modelbus-error.ts";
import type { ProviderAdapter } from "./adapters/provider-adapter.ts";
import { classifyProviderError } from "./classify-provider-error.ts";
import { StreamAccumulator } from "./stream/stream-accumulator.ts";
import type { StreamDeltas, StreamPartial } from "./stream/stream-outcome.ts";

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
 * One streamed attempt. Before the first published byte a failure is an ordinary,
 * retryable one (including "no first token in time"); after it, it is
 * E_PROVIDER_STREAM_INTERRUPTED and never retried, since the chunks already went out.
 * The SDK ends quietly on a cut stream and on an abort, so both are checked here.
 */
export async function streamChatCompletion(
  sdk: OpenAI,
  params: ChatCompletionCreateParamsNonStreaming,
  adapter: ProviderAdapter,
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
  const accumulator = new StreamAccumulator({ adapter, warn: options.warn, now: () => performance.now() });
  let published = false;
  let chunks = 0;
  const publish = (deltas: StreamDeltas) => {
    if (!deltas.contentDelta && !deltas.reasoningDelta) return;
    published = true;
    options.onDelta?.(deltas);
  };
  try {
    const stream = await sdk.chat.completions.create(
      { ...params, stream: true, stream_options: { include_usage: true } },
      { signal: attempt.signal, timeout: Math.max(1, Math.ceil(options.timeoutMs)), maxRetries: 0 },
    );
    for await (const chunk of stream) {
      chunks += 1;
      publish(accumulator.push(chunk));
      if (firstTokenTimer && (accumulator.firstTokenAtMs !== undefined || chunk.choices?.[0]?.delta?.tool_calls)) clearTimeout(firstTokenTimer);
    }
    if (attempt.signal.aborted) throw attempt.signal.reason;
  } catch (error) {
    const failure = classifyProviderError(error, { nowMs: Date.now(), signal: attempt.signal });
    if (published && failure.code !== "E_CANCELLED") throw interrupted(failure.message, accumulator.partial(), error);
    throw failure;
  } finally {
    clearTimeout(firstTokenTimer);
    options.signal.removeEventListener("abort", forward);
  }
  const outcome = accumulator.finish();
  publish(outcome.finalDeltas);
  if (!outcome.ok) {
    if (!published) {
      throw new ModelbusError({ code: "E_PROVIDER_NETWORK", message: "stream ended before any output", retryReason: "transient" });
    }
    throw interrupted("the stream ended without a finish reason", outcome.partial);
  }
  const first = outcome.firstTokenAtMs === undefined ? undefined : outcome.firstTokenAtMs - startedAt;
  return { ...outcome.result, streamStats: { firstTokenMs: first, chunks } };
}
