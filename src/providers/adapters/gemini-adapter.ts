import { applyMessageFallbacks } from "./apply-message-fallbacks.ts";
import { attachThoughtSignatures, captureThoughtSignatures } from "./gemini-thought-signatures.ts";
import { inferGeminiToolIndex } from "./infer-tool-index.ts";
import type { ProviderAdapter } from "./provider-adapter.ts";

/**
 * Gemini's OpenAI-compatible endpoint: needs tool names and non-empty assistant content, takes
 * same-role runs as they are (no collapse), streams tool calls without `index`, and round-trips
 * Gemini 3 thought signatures through reasoning records.
 */
export const geminiAdapter: ProviderAdapter = {
  name: "gemini",
  attachCarriers: attachThoughtSignatures,
  normalizeMessages: (messages) => messages.map(applyMessageFallbacks),
  streamToolIndex: inferGeminiToolIndex,
  normalizeResponse: captureThoughtSignatures,
};
