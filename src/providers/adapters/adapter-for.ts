import { geminiAdapter } from "./gemini-adapter.ts";
import { genericAdapter } from "./generic-adapter.ts";
import { ollamaAdapter } from "./ollama-adapter.ts";
import { openAIAdapter } from "./openai-adapter.ts";
import type { ProviderAdapter } from "./provider-adapter.ts";

/** semstreams' AdapterFor: three known families; everything else gets the generic rewrites. */
export function adapterFor(provider: string): ProviderAdapter {
  switch (provider) {
    case "gemini":
      return geminiAdapter;
    case "openai":
      return openAIAdapter;
    case "ollama":
      return ollamaAdapter;
    default:
      return genericAdapter;
  }
}
