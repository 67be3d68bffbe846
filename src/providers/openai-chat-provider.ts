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
import { chatCompletionsTarget, postChatCompletion, type ChatCompletionsTarget } from "./post-chat-completion.ts";
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
  /** Non-streaming calls go straight over node:http(s); undefined when a custom fetch was given. */
  readonly direct: ChatCompletionsTarget | undefined;
}

/**
 * Calls any OpenAI-compatible /v1/chat/completions, one client per endpoint: streaming
 * through the official SDK, non-streaming calls as one POST over a keep-alive node:http(s)
 * agent whose failures are turned into the SDK's own error classes, so both classify the
 * same. The SDK's own retries are off: runWithRetry is the one retry owner.
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
      const direct = options.fetch ? undefined : chatCompletionsTarget(endpoint.baseURL, endpoint.apiKey, sdkIdentityHeaders(sdk));
      this.clients.set(endpoint.name, { endpoint, sdk, adapter: adapterFor(endpoint.config.provider), direct });
    }
  }

  async complete(endpointName: string, request: AgentRequest, options: ProviderCallOptions): Promise<ProviderResult> {
    const client = this.clients.get(endpointName);
    if (!client) throw new ModelbusError({ code: "E_INTERNAL", message: `no provider client for endpoint "${endpointName}"` });
    const params = buildChatParams(request, client.endpoint.config, client.adapter);
    if (options.stream) return streamChatCompletion(client.sdk, params, client.adapter, options);
    let completion: OpenAI.ChatCompletion;
    try {
      completion = client.direct
        ? ((await postChatCompletion(client.direct, JSON.stringify(params), options.signal, options.timeoutMs)) as OpenAI.ChatCompletion)
        : await client.sdk.chat.completions.create(params, {
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

/** The organization and project headers the SDK client sends when OPENAI_ORG_ID / OPENAI_PROJECT_ID are set. */
function sdkIdentityHeaders(sdk: OpenAI): Record<string, string> {
  return {
    ...(sdk.organization ? { "openai-organization": sdk.organization } : {}),
    ...(sdk.project ? { "openai-project": sdk.project } : {}),
  };
}
