import { applyMessageFallbacks } from "./apply-message-fallbacks.ts";
import { collapseSameRole } from "./collapse-same-role.ts";
import { inferToolIndex } from "./infer-tool-index.ts";
import type { ProviderAdapter } from "./provider-adapter.ts";

/**
 * For any OpenAI-compatible server of unknown strictness (anthropic, openrouter, vLLM, mock…):
 * the defensive rewrites that no server minds, and index inference for streams that omit it.
 */
export const genericAdapter: ProviderAdapter = {
  name: "generic",
  attachCarriers: (param) => param,
  normalizeMessages: (messages) => collapseSameRole(messages.map(applyMessageFallbacks)),
  streamToolIndex: inferToolIndex,
};
