/**
 * What the mock provider does with one chat request. Tests queue these in-process
 * (`MockProviderServer.enqueue`) or over HTTP (`POST /__mock/enqueue`, validated with
 * `mockBehaviourSchema`); without a queued behaviour the mock picks one from the request
 * itself (see choose-mock-behaviour.ts).
 */
import { z } from "zod";

const delayMs = z.number().nonnegative().optional();
/** Extra response headers, e.g. a provider's `x-ratelimit-remaining-requests` report. */
const responseHeaders = z.record(z.string(), z.string()).optional();

/** Answer with text (and optionally reasoning_content), streamed when the request asks. */
export const textBehaviourSchema = z.strictObject({
  kind: z.literal("text"),
  content: z.string().optional(),
  finish_reason: z.enum(["stop", "length", "content_filter"]).optional(),
  delay_ms: delayMs,
  usage: z
    .strictObject({
      prompt_tokens: z.number().int().nonnegative(),
      completion_tokens: z.number().int().nonnegative(),
    })
    .optional(),
  reasoning_content: z.string().optional(),
  headers: responseHeaders,
  /**
   * Streaming only: after the role chunk and the first content piece, one content piece every
   * `chunk_ms`, as a model generates them (the finish chunk, usage and `[DONE]` follow the last).
   */
  chunk_ms: z.number().positive().optional(),
});

/** One tool call; `arguments` is sent verbatim, so it may be malformed JSON on purpose. */
export const mockToolCallSchema = z.strictObject({
  name: z.string().optional(),
  arguments: z.string().optional(),
  id: z.string().optional(),
});

/** Answer with tool calls; by default the first tool of the request with plausible arguments. */
export const toolCallBehaviourSchema = z.strictObject({
  kind: z.literal("tool_call"),
  calls: z.array(mockToolCallSchema).optional(),
  finish_reason: z.string().optional(),
  delay_ms: delayMs,
  content: z.string().optional(),
  /**
   * "gemini": each call carries extra_content.google.thought_signature, and streamed calls
   * come whole, without an index, as Gemini's OpenAI-compatible endpoint sends them.
   */
  style: z.enum(["openai", "gemini"]).optional(),
});

/** Answer with an HTTP error status and an OpenAI error body. */
export const errorBehaviourSchema = z.strictObject({
  kind: z.literal("error"),
  status: z.number().int().min(400).max(599),
  message: z.string().optional(),
  /** Sent verbatim as the Retry-After header. */
  retry_after: z.string().optional(),
  /** Sent as the retry-after-ms header (the openai SDK prefers it over Retry-After). */
  retry_after_ms: z.number().nonnegative().optional(),
  delay_ms: delayMs,
  headers: responseHeaders,
});

/** Accept the request and never answer, until the client aborts or the server closes. */
export const hangBehaviourSchema = z.strictObject({ kind: z.literal("hang") });

/** Destroy the socket without any HTTP response: a network error for the client. */
export const closeBehaviourSchema = z.strictObject({ kind: z.literal("close") });

/**
 * Streaming requests: send the role chunk and `after_chunks` content chunks, then end the
 * response cleanly but without a finish_reason and without `data: [DONE]`. A non-streaming
 * request gets half of its JSON body and then a destroyed socket.
 */
export const streamCutBehaviourSchema = z.strictObject({
  kind: z.literal("stream_cut"),
  content: z.string().optional(),
  after_chunks: z.number().int().nonnegative().optional(),
});

export const mockBehaviourSchema = z.discriminatedUnion("kind", [
  textBehaviourSchema,
  toolCallBehaviourSchema,
  errorBehaviourSchema,
  hangBehaviourSchema,
  closeBehaviourSchema,
  streamCutBehaviourSchema,
]);

/** Body of `POST /__mock/enqueue`. */
export const mockEnqueueSchema = z.strictObject({
  model: z.string().min(1),
  behaviours: z.array(mockBehaviourSchema).min(1),
});

export type MockBehaviour = z.infer<typeof mockBehaviourSchema>;
export type MockTextBehaviour = z.infer<typeof textBehaviourSchema>;
export type MockToolCallBehaviour = z.infer<typeof toolCallBehaviourSchema>;
export type MockToolCall = z.infer<typeof mockToolCallSchema>;
export type MockErrorBehaviour = z.infer<typeof errorBehaviourSchema>;
export type MockHangBehaviour = z.infer<typeof hangBehaviourSchema>;
export type MockCloseBehaviour = z.infer<typeof closeBehaviourSchema>;
export type MockStreamCutBehaviour = z.infer<typeof streamCutBehaviourSchema>;
export type MockEnqueueBody = z.infer<typeof mockEnqueueSchema>;
