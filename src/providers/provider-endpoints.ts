/** The endpoints a provider client calls, from the config: base URL (the built-in mock's when asked for) and key. */
import { defaultProviderUrl, type ModelbusConfig } from "../config/config-schema.ts";
import { MockProviderServer } from "./mock/mock-provider-server.ts";
import type { ProviderEndpoint } from "./openai-chat-provider.ts";

/** `…/v1/chat/completions` (as semstreams configs write it) and `…/v1` both name the same base. */
function baseUrlOf(url: string): string {
  return url.replace(/\/+$/, "").replace(/\/chat\/completions$/, "");
}

/** The built-in mock provider, started when an endpoint names it. */
export async function startMockIfUsed(config: ModelbusConfig): Promise<MockProviderServer | undefined> {
  const usesMock = Object.values(config.model_registry.endpoints).some((endpoint) => endpoint.provider === "mock");
  return usesMock ? MockProviderServer.start({ host: config.mock.host, port: config.mock.port }) : undefined;
}

export function providerEndpoints(config: ModelbusConfig, mock: MockProviderServer | undefined, env: NodeJS.ProcessEnv): ProviderEndpoint[] {
  return Object.entries(config.model_registry.endpoints).map(([name, endpoint]) => ({
    name,
    config: endpoint,
    baseURL: endpoint.provider === "mock" && endpoint.url === undefined ? (mock as MockProviderServer).url : baseUrlOf(endpoint.url ?? defaultProviderUrl),
    apiKey: endpoint.api_key_env === undefined ? undefined : env[endpoint.api_key_env],
  }));
}
