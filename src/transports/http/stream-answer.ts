import type { AgentResponse } from "../../core/agent-response.ts";
import type { StreamDelta } from "../../core/chat-provider.ts";
import type { CompletionStream } from "./completion-stream.ts";
import { toHttpError } from "./to-http-error.ts";

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
