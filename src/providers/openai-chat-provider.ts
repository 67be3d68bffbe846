import OpenAI from "openai";
import type { EndpointConfig } from "../config/config-schema.ts";
import type { AgentRequest } from "../core/agent-request.ts";
import type { ChatProvider, ProviderCallOptions, ProviderResult } from "../core/chat-provider.ts";
import { ModelbusError } from "../core/modelbus-error.ts";
import { adapterFor } from "./adapters/adapter-for.ts";
import type { ProviderAdapter } from "./adapters/provider-adapter.ts";
import { buildChatParams } from "./build-chat-params.ts";
import { classifyProviderError } from "./classify-provider-error.ts";
import { parseChatCompletion } from "./parse-chat-completion.ts";
import { streamChatCompletion } from "./stream-chat-completion.ts";

/** One endpoint as the provider client needs it: where to call and with which key. */
export interface ProviderEndpoint {
  readonly name: string;
  readonly config: EndpointConfig;
  readonly baseURL: string;
  readonly apiKey: string | undefined;
}

type Fetch = NonNullable<ConstructorParameters<typeof OpenAI>[0]>["fetch"];

interface Client {
  readonly endpoint: ProviderEndpoint;
  readonly sdk: OpenAI;
  readonly adapter: ProviderAdapter;
}

/**
 * Calls any OpenAI-compatible /v1/chat/completions through the official SDK, one client
 * per endpoint. The SDK's own retries are off: runWithRetry is the one retry owner.
 */
export class OpenAIChatProvider implements ChatProvider {
  private readonly clients = new Map<string, Client>();

  constructor(endpoints: readonly ProviderEndpoint[], options: { fetch?: Fetch } = {}) {
    for (const endpoint of endpoints) {
      const sdk = new OpenAI({
        baseURL: endpoint.baseURL,
        // Endpoints without api_key_env get no Authorization header at all (local models).
        apiKey: endpoint.apiKey ?? "unused",
        ...(endpoint.apiKey === undefined ? { defaultHeaders: { authorization: null } } : {}),
        maxRetries: 0,
        ...(options.fetch ? { fetch: options.fetch } : {}),
      });
      this.clients.set(endpoint.name, { endpoint, sdk, adapter: adapterFor(endpoint.config.provider) });
    }
  }

  async complete(endpointName: string, request: AgentRequest, options: ProviderCallOptions): Promise<ProviderResult> {
    const client = this.clients.get(endpointName);
    if (!client) throw new ModelbusError({ code: "E_INTERNAL", message: `no provider client for endpoint "${endpointName}"` });
    const params = buildChatParams(request, client.endpoint.config, client.adapter);
    if (options.stream) return streamChatCompletion(client.sdk, params, client.adapter, options);
    let completion: OpenAI.ChatCompletion;
    try {
      completion = await client.sdk.chat.completions.create(params, {
        signal: options.signal,
        timeout: Math.max(1, Math.ceil(options.timeoutMs)),
        maxRetries: 0,
      });
    } catch (error) {
      throw classifyProviderError(error, { nowMs: Date.now(), signal: options.signal });
    }
    return parseChatCompletion(completion, options.warn, client.adapter);
  }
}
