import type { AgentResponse, TokenUsage } from "../../core/agent-response.ts";
import type { StreamDelta } from "../../core/chat-provider.ts";
import type { Logger } from "../../observability/logger.ts";
import { errorBody, type HttpError, toHttpError } from "./http-errors.ts";
import { openAIFinishReason, openAIToolCalls, openAIUsage } from "./to-chat-completion.ts";
import type { SseResponse } from "./sse-response.ts";

/** What every chunk of one streamed completion shares. */
export interface ChunkContext {
  readonly id: string;
  readonly created: number;
  readonly model: string;
  /** `stream_options.include_usage`: chunks carry `usage: null` and a last chunk carries the usage. */
  readonly includeUsage: boolean;
}

type FinishReason = "stop" | "length" | "tool_calls" | "content_filter" | null;

/**
 * One `chat.completion.chunk` with a single choice, as OpenAI streams them (no
 * `system_fingerprint`: OpenAI's schema makes it a string when present, and there is none to give).
 */
export function completionChunk(context: ChunkContext, delta: Record<string, unknown>, finishReason: FinishReason = null) {
  return {
    id: context.id,
    object: "chat.completion.chunk",
    created: context.created,
    model: context.model,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
    ...(context.includeUsage ? { usage: null } : {}),
  };
}

/** The extra last chunk of `include_usage`: no choices, the usage. */
export function usageChunk(context: ChunkContext, usage: TokenUsage) {
  return {
    id: context.id,
    object: "chat.completion.chunk",
    created: context.created,
    model: context.model,
    choices: [],
    usage: openAIUsage(usage),
  };
}

/**
 * One streamed completion in OpenAI's chunk format: a role chunk, content deltas, a
 * finish chunk, optionally a usage chunk, `data: [DONE]`. Deltas come from the pipeline's
 * `onDelta` when the provider streams; whatever of the final answer they did not carry
 * (all of it, when the provider did not stream) goes out as one last delta, so a client
 * gets the same text either way.
 */
export class CompletionStream {
  private sentContent = "";
  private sentReasoning = "";
  private started = false;

  constructor(
    private readonly sse: SseResponse,
    private readonly context: ChunkContext,
    private readonly logger: Logger,
  ) {}

  get opened(): boolean {
    return this.sse.isOpen;
  }

  readonly onDelta = (delta: StreamDelta): void => {
    this.send("reasoning_content", delta.reasoningDelta);
    this.send("content", delta.contentDelta);
  };

  finish(response: AgentResponse): void {
    this.start();
    this.sendRest("reasoning_content", response.message.reasoning_content ?? "");
    this.sendRest("content", response.message.content ?? "");
    const toolCalls = openAIToolCalls(response.message.tool_calls);
    if (toolCalls.length > 0) this.sse.data(completionChunk(this.context, { tool_calls: toolCalls.map((call, index) => ({ index, ...call })) }));
    this.sse.data(completionChunk(this.context, {}, openAIFinishReason(response)));
    if (this.context.includeUsage) this.sse.data(usageChunk(this.context, response.token_usage));
    this.sse.done();
  }

  /** After the stream opened, a failure can only be an error event; no [DONE], so clients see it did not finish. */
  fail(error: HttpError): void {
    this.sse.data(errorBody(error.code, error.message, error.details));
    this.sse.end();
  }

  private start(): void {
    if (this.started) return;
    this.started = true;
    this.sse.data(completionChunk(this.context, { role: "assistant", content: "", refusal: null }));
  }

  private send(field: "content" | "reasoning_content", text: string): void {
    if (text === "") return;
    this.start();
    if (field === "content") this.sentContent += text;
    else this.sentReasoning += text;
    this.sse.data(completionChunk(this.context, { [field]: text }));
  }

  private sendRest(field: "content" | "reasoning_content", final: string): void {
    const sent = field === "content" ? this.sentContent : this.sentReasoning;
    if (final.startsWith(sent)) {
      this.send(field, final.slice(sent.length));
      return;
    }
    // A retry after a partial stream can end with other text than was streamed; what was
    // sent cannot be taken back, so the client keeps it and the stored answer is the final one.
    this.logger.warn({ field, streamed: sent.length, final: final.length }, "streamed deltas differ from the final answer");
  }
}

/**
 * Runs a streamed answer: deltas go to the stream as they come, the final answer closes
 * it. A failure before the stream opened is thrown (a normal HTTP error status); after, it
 * becomes an error event.
 */
export async function streamAnswer(stream: CompletionStream, run: (onDelta: (delta: StreamDelta) => void) => Promise<AgentResponse>): Promise<void> {
  let response: AgentResponse;
  try {
    response = await run(stream.onDelta);
  } catch (error) {
    if (!stream.opened) throw error;
    stream.fail(toHttpError(error));
    return;
  }
  stream.finish(response);
}
