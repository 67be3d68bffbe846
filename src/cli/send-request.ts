import { randomUUID } from "node:crypto";
import type { LoadedConfig } from "../config/load-config.ts";
import type { AgentResponse } from "../core/agent-response.ts";
import { requestType } from "../core/envelope.ts";
import { connectNats } from "../transports/nats/connect-nats.ts";
import { decodeResponse } from "../transports/nats/encode-response.ts";
import { publishOnJetStream } from "../transports/nats/jetstream-setup.ts";
import { subjectsFor } from "../transports/nats/subjects.ts";

export interface SendOptions {
  readonly model: string;
  readonly text: string;
  readonly system?: string | undefined;
  readonly envelope: boolean;
  readonly waitMs: number;
  readonly timeout?: string | undefined;
}

/**
 * Publishes one AgentRequest on JetStream and waits for its response on
 * `<prefix>.response.<request_id>`: the same path an orchestrator takes.
 */
export async function sendRequest(loaded: LoadedConfig, options: SendOptions): Promise<AgentResponse> {
  const { config, environment } = loaded;
  const nats = await connectNats(environment.natsUrl, config.nats);
  try {
    const subjects = subjectsFor(config.nats.subject_prefix);
    const requestId = `cli-${randomUUID()}`;
    const responses = nats.subscribe(subjects.response(requestId), { max: 1 });
    const messages = [...(options.system ? [{ role: "system", content: options.system }] : []), { role: "user", content: options.text }];
    const request = {
      request_id: requestId,
      model: options.model,
      messages,
      ...(options.timeout ? { timeout: options.timeout } : {}),
    };
    const body = options.envelope
      ? { id: randomUUID(), type: requestType, payload: request, meta: { created_at: Date.now(), source: "modelbus-cli" } }
      : request;
    await publishOnJetStream(nats, `${config.nats.subject_prefix}.request.cli`, JSON.stringify(body), requestId);
    const timer = setTimeout(() => responses.unsubscribe(), options.waitMs);
    for await (const message of responses) {
      clearTimeout(timer);
      const response = decodeResponse(message.data);
      if (response) return response;
    }
    throw new Error(`no response for ${requestId} within ${options.waitMs}ms (is "modelbus serve" running?)`);
  } finally {
    await nats.drain();
  }
}
