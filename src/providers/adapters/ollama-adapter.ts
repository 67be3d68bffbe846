import { genericAdapter } from "./generic-adapter.ts";
import type { ProviderAdapter } from "./provider-adapter.ts";

/**
 * Ollama's /v1 needs the generic rewrites (its chat templates want alternating roles). Its
 * /api/show context-size probe is I/O and lives with the client, not here.
 */
export const ollamaAdapter: ProviderAdapter = { ...genericAdapter, name: "ollama" };
