import type { JetStreamClient, JetStreamManager } from "@nats-io/jetstream";
import { headers as natsHeaders } from "@nats-io/transport-node";
import type { AgentResponse } from "../../core/agent-response.ts";
import type { WireForm } from "./decode-request.ts";
import { decodeResponse, encodeResponse } from "./encode-response.ts";
import type { Subjects } from "./subjects.ts";

function messageHeaders(values: Readonly<Record<string, string>>) {
  const result = natsHeaders();
  for (const [name, value] of Object.entries(values)) result.set(name, value);
  return result;
}

/** The Nats-Msg-Id of a response: distinct from any id the request itself was published with. */
export const responseMessageId = (requestId: string) => `${requestId}:response`;

/**
 * Publishes responses on JetStream and waits for the PubAck. The Nats-Msg-Id makes
 * JetStream drop a second publish of the same response inside the duplicate window.
 */
export class ResponsePublisher {
  constructor(
    private readonly client: JetStreamClient,
    private readonly manager: JetStreamManager,
    private readonly stream: string,
    private readonly subjects: Subjects,
  ) {}

  /** `headers` go out as NATS message headers (the trace's `traceparent` when tracing is on). */
  async publish(response: AgentResponse, form: WireForm, headers?: Readonly<Record<string, string>>): Promise<{ duplicate: boolean }> {
    const ack = await this.client.publish(this.subjects.response(response.request_id), encodeResponse(response, form), {
      msgID: responseMessageId(response.request_id),
      ...(headers ? { headers: messageHeaders(headers) } : {}),
    });
    return { duplicate: ack.duplicate };
  }

  /**
   * The response already published for a request, if the stream still holds one: a
   * redelivered request is then settled without calling the model again. Transport
   * errors propagate (the caller naks); "no message" is undefined.
   */
  async findPublished(requestId: string): Promise<AgentResponse | undefined> {
    let stored;
    try {
      stored = await this.manager.streams.getMessage(this.stream, { last_by_subj: this.subjects.response(requestId) });
    } catch (error) {
      if (/no message found|not found/i.test(String((error as Error).message))) return undefined;
      throw error;
    }
    if (!stored) return undefined;
    const response = decodeResponse(stored.data);
    return response?.request_id === requestId ? response : undefined;
  }
}
