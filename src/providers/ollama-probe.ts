/**
 * semstreams' Ollama context probe (ollama_probe.go): Ollama serves a model with the context
 * size in its Modelfile (`num_ctx`, 4096 when unset), whatever the client thinks, and silently
 * drops the start of a longer prompt. Once per endpoint, `POST <url minus /v1>/api/show`
 * asks which it is, and a warning names the endpoint when it is below the configured
 * `max_tokens`. A server that cannot answer (not Ollama, unreachable, another format) is
 * noted at debug only.
 */

/** Ollama's context size when the Modelfile sets none. */
export const ollamaDefaultNumCtx = 4096;
const probeTimeoutMs = 3_000;

export interface ProbeLogger {
  warn(details: Record<string, unknown>, message: string): void;
  debug(details: Record<string, unknown>, message: string): void;
}

export interface OllamaProbeTarget {
  readonly endpoint: string;
  readonly baseURL: string;
  readonly model: string;
  /** The endpoint's `max_tokens` (its context window); 0 or absent: nothing to compare. */
  readonly maxTokens: number | undefined;
}

/** Ollama's native API root: the OpenAI-compatible base without one trailing `/v1`. */
export function ollamaBaseUrl(url: string): string {
  const trimmed = url.replace(/\/+$/, "");
  return trimmed.endsWith("/v1") ? trimmed.slice(0, -"/v1".length) : trimmed;
}

/** The first `num_ctx <n>` line of /api/show's `parameters` text. */
export function parseOllamaNumCtx(parameters: string): number | undefined {
  for (const raw of parameters.split("\n")) {
    const line = raw.trim();
    if (!line.startsWith("num_ctx")) continue;
    const fields = line.split(/\s+/);
    if (fields.length < 2) continue;
    const value = fields[1] as string;
    // strconv.Atoi: an optional sign and decimal digits, nothing else.
    if (/^[+-]?\d+$/.test(value)) return Number(value);
  }
  return undefined;
}

/** Probes once; never throws. Resolves when the probe has said what it had to say. */
export async function probeOllamaContext(target: OllamaProbeTarget, logger: ProbeLogger): Promise<void> {
  const base = ollamaBaseUrl(target.baseURL);
  if (base === "" || !target.maxTokens) return;
  const details = { endpoint: target.endpoint, model: target.model };
  let response: Response;
  try {
    response = await fetch(`${base}/api/show`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: target.model }),
      signal: AbortSignal.timeout(probeTimeoutMs),
    });
  } catch (error) {
    logger.debug({ ...details, url: `${base}/api/show`, err: error }, "ollama num_ctx probe: /api/show unreachable");
    return;
  }
  let parameters: unknown;
  try {
    if (!response.ok) {
      await response.body?.cancel();
      logger.debug({ ...details, status: response.status }, "ollama num_ctx probe: /api/show non-200");
      return;
    }
    parameters = ((await response.json()) as { parameters?: unknown } | null)?.parameters;
  } catch (error) {
    logger.debug({ ...details, err: error }, "ollama num_ctx probe: decode failed");
    return;
  }
  const explicit = typeof parameters === "string" ? parseOllamaNumCtx(parameters) : undefined;
  const numCtx = explicit ?? ollamaDefaultNumCtx;
  if (numCtx >= target.maxTokens) return;
  logger.warn(
    {
      ...details,
      model_num_ctx: numCtx,
      num_ctx_explicit: explicit !== undefined,
      endpoint_max_tokens: target.maxTokens,
      fix: "raise num_ctx in the Modelfile (PARAMETER num_ctx) or lower max_tokens",
    },
    "ollama model num_ctx is below endpoint.max_tokens — prompts will silently truncate on the server",
  );
}
