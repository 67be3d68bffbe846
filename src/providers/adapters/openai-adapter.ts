import type { ProviderAdapter } from "./provider-adapter.ts";

/**
 * OpenAI itself accepts exactly what we build, so nothing is rewritten; its streams always
 * carry `index`, and a missing one can only mean the first call.
 */
export const openAIAdapter: ProviderAdapter = {
  name: "openai",
  attachCarriers: (param) => param,
  normalizeMessages: (messages) => [...messages],
  streamToolIndex: (delta) => (typeof delta.index === "number" ? delta.index : 0),
};
