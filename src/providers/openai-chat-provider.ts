import type { IncomingHttpHeaders } from "node:http";
import type OpenAI from "openai";
import type { EndpointConfig } from "../config/config-schema.ts";
import type { AgentRequest } from "../core/agent-request.ts";
import type { ChatProvider, ProviderCallOptions, ProviderResult } from "../core/chat-provider.ts";
import { ModelbusError } from "../core/modelbus-error.ts";
import { adapterFor, type ProviderAdapter } from "./provider-adapters.ts";
import { buildChatParams } from "./build-chat-params.ts";
import { classifyProviderError } from "./classify-provider-error.ts";
import { buildResponsesParams, parseResponsesResponse, ResponsesStreamFold } from "./openai-responses.ts";
import { probeOllamaContext, type ProbeLogger } from "./ollama-probe.ts";
import { parseChatCompletion } from "./parse-chat-completion.ts";
import { StreamAccumulator } from "./stream/stream-accumulator.ts";
import { streamAttempt } from "./stream/stream-attempt.ts";
import { ProviderHttpClient, type ProviderConnect } from "./provider-http-client.ts";
import type { ProviderRateLimits } from "./provider-rate-limits.ts";

/** One endpoint as the provider client needs it: where to call and with which key. */
export interface ProviderEndpoint {
  readonly name: string;
  readonly config: EndpointConfig;
  readonly baseURL: string;
  readonly apiKey: string | undefined;
}

/** Sees the body of every provider request just before it is sent (debug logging). */
export type RequestObserver = (endpointName: string, request: AgentRequest, body: Record<string, unknown>) => void;

interface Client {
  readonly endpoint: ProviderEndpoint;
  readonly adapter: ProviderAdapter;
  /** The endpoint's pool: every call, streamed or not, is one POST over it. */
  readonly http: ProviderHttpClient;
}

type ClientEntry = { readonly ok: true; readonly client: Client } | { readonly ok: false; readonly problem: string };

export interface OpenAIChatProviderOptions {
  /** Tests only: opens the endpoints' connections (ProviderConnect), so every call still takes the production path. */
  readonly connect?: ProviderConnect;
  readonly onRequest?: RequestObserver;
  /** Where the Ollama context probe reports; without it there is no probe. */
  readonly logger?: ProbeLogger;
  /** Takes the rate-limit headers of every response (for the `limit_aware` group strategy). */
  readonly rateLimits?: ProviderRateLimits;
}

/**
 * Calls any OpenAI-compatible endpoint, one client per endpoint: Chat Completions
 * (`wire_backend` "", "sdk" or "wire") or the Responses API (`wire_backend: "responses"`).
 * Every call is one POST over the endpoint's keep-alive pool (ProviderHttpClient), read as the
 * official SDK reads it (a JSON body, or the SSE events its Stream yields) and failing with the
 * SDK's own error classes, so they classify as the SDK's would. Nothing retries here:
 * runWithRetry is the one retry owner. An endpoint whose URL cannot be called (a config placeholder) fails every call.
 */
export class OpenAIChatProvider implements ChatProvider {
  private readonly clients = new Map<string, ClientEntry>();
  private readonly onRequest: RequestObserver | undefined;
  private readonly logger: ProbeLogger | undefined;
  private readonly probed = new Set<string>();

  constructor(endpoints: readonly ProviderEndpoint[], options: OpenAIChatProviderOptions = {}) {
    this.onRequest = options.onRequest;
    this.logger = options.logger;
    for (const endpoint of endpoints) this.clients.set(endpoint.name, createClient(endpoint, options.connect, options.rateLimits));
  }

  async complete(endpointName: string, request: AgentRequest, options: ProviderCallOptions): Promise<ProviderResult> {
    const entry = this.clients.get(endpointName);
    if (!entry) throw new ModelbusError({ code: "E_INTERNAL", message: `no provider client for endpoint "${endpointName}"` });
    if (!entry.ok) throw new ModelbusError({ code: "E_PROVIDER_NETWORK", message: `connection error: ${entry.problem}` });
    const { client } = entry;
    if (client.endpoint.config.provider === "ollama") this.probeOnce(client.endpoint);
    return client.endpoint.config.wire_backend === "responses" ? this.responses(client, request, options) : this.chat(client, request, options);
  }

  /** semstreams probes Ollama's num_ctx before an endpoint's first call; here it runs beside it, adding no latency. */
  private probeOnce(endpoint: ProviderEndpoint): void {
    if (!this.logger || this.probed.has(endpoint.name)) return;
    this.probed.add(endpoint.name);
    const target = { endpoint: endpoint.name, baseURL: endpoint.baseURL, model: endpoint.config.model, maxTokens: endpoint.config.max_tokens };
    void probeOllamaContext(target, this.logger);
  }

  /** Closes the endpoints' idle connections. */
  close(): void {
    for (const entry of this.clients.values()) if (entry.ok) entry.client.http.close();
  }

  private async chat(client: Client, request: AgentRequest, options: ProviderCallOptions): Promise<ProviderResult> {
    const params = buildChatParams(request, client.endpoint.config, client.adapter);
    this.onRequest?.(client.endpoint.name, request, params as unknown as Record<string, unknown>);
    if (options.stream) {
      const fold = new StreamAccumulator({ adapter: client.adapter, warn: options.warn, now: () => performance.now() });
      const streamParams = { ...params, stream: true as const, stream_options: { include_usage: true } };
      const open = (signal: AbortSignal) =>
        client.http.postStream("chat/completions", JSON.stringify(streamParams), signal, options.timeoutMs, options.headers) as Promise<
          AsyncIterable<OpenAI.ChatCompletionChunk>
        >;
      return streamAttempt(open, fold, options);
    }
    let completion: OpenAI.ChatCompletion;
    try {
      completion = (await client.http.postJson(
        "chat/completions",
        JSON.stringify(params),
        options.signal,
        options.timeoutMs,
        options.headers,
      )) as OpenAI.ChatCompletion;
    } catch (error) {
      throw classifyProviderError(error, { nowMs: Date.now(), signal: options.signal });
    }
    return parseChatCompletion(completion, options.warn, client.adapter);
  }

  private async responses(client: Client, request: AgentRequest, options: ProviderCallOptions): Promise<ProviderResult> {
    const params = buildResponsesParams(request, client.endpoint.config);
    this.onRequest?.(client.endpoint.name, request, params);
    if (options.stream) {
      const open = (signal: AbortSignal) =>
        client.http.postStream("responses", JSON.stringify({ ...params, stream: true }), signal, options.timeoutMs, options.headers) as Promise<
          AsyncIterable<OpenAI.Responses.ResponseStreamEvent>
        >;
      return streamAttempt(open, new ResponsesStreamFold(options.warn), options);
    }
    let body: unknown;
    try {
      body = await client.http.postJson("responses", JSON.stringify(params), options.signal, options.timeoutMs, options.headers);
    } catch (error) {
      throw classifyProviderError(error, { nowMs: Date.now(), signal: options.signal });
    }
    return parseResponsesResponse(body, options.warn);
  }
}

function createClient(endpoint: ProviderEndpoint, connect: ProviderConnect | undefined, rateLimits: ProviderRateLimits | undefined): ClientEntry {
  const { config } = endpoint;
  let http: ProviderHttpClient;
  try {
    http = new ProviderHttpClient({
      baseURL: endpoint.baseURL,
      apiKey: endpoint.apiKey,
      extraHeaders: identityHeaders(),
      idleTimeoutMs: config.idle_conn_timeout,
      responseHeaderTimeoutMs: config.response_header_timeout,
      disableKeepAlives: config.disable_keepalives,
      ...(rateLimits ? { onResponseHeaders: (headers: IncomingHttpHeaders) => rateLimits.record(endpoint.name, headers) } : {}),
      connect,
    });
  } catch {
    return { ok: false, problem: `endpoint "${endpoint.name}" has no usable url ("${endpoint.baseURL}")` };
  }
  return { ok: true, client: { endpoint, adapter: adapterFor(config.provider), http } };
}

/** The organization and project headers the SDK client sends when OPENAI_ORG_ID / OPENAI_PROJECT_ID are set. */
function identityHeaders(): Record<string, string> {
  const organization = process.env.OPENAI_ORG_ID;
  const project = process.env.OPENAI_PROJECT_ID;
  return { ...(organization ? { "openai-organization": organization } : {}), ...(project ? { "openai-project": project } : {}) };
}
