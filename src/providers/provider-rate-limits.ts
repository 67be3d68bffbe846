import type { IncomingHttpHeaders } from "node:http";
import { parseDuration } from "../config/parse-duration.ts";

/** One budget as a provider last reported it. */
interface ReportedBudget {
  readonly remaining: number;
  readonly limit: number | undefined;
  /** When the provider said it refills (ms on the clock given); until then `remaining` holds. */
  readonly resetsAt: number | undefined;
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function count(text: string | undefined): number | undefined {
  if (text === undefined || text.trim() === "") return undefined;
  const value = Number(text);
  return Number.isFinite(value) && value >= 0 ? value : undefined;
}

/** `x-ratelimit-reset-*`: OpenAI's Go-style duration (`1s`, `6m0s`, `20ms`), or plain seconds. */
function resetMs(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const seconds = count(text);
  return seconds !== undefined ? seconds * 1_000 : parseDuration(text.trim());
}

/**
 * What providers say of their own limits in `x-ratelimit-remaining-requests` / `-tokens`,
 * `x-ratelimit-limit-*` and `x-ratelimit-reset-*` (OpenAI, Azure OpenAI, Groq, OpenRouter and
 * most OpenAI-compatible servers send them), per endpoint, from every response, errors included.
 * The `limit_aware` strategy reads the headroom left (deployment-router.ts).
 */
export class ProviderRateLimits {
  private readonly reported = new Map<string, { requests?: ReportedBudget; tokens?: ReportedBudget }>();

  constructor(private readonly now: () => number = Date.now) {}

  record(endpoint: string, headers: IncomingHttpHeaders): void {
    const budget = (kind: "requests" | "tokens"): ReportedBudget | undefined => {
      const remaining = count(header(headers, `x-ratelimit-remaining-${kind}`));
      if (remaining === undefined) return undefined;
      const reset = resetMs(header(headers, `x-ratelimit-reset-${kind}`));
      return { remaining, limit: count(header(headers, `x-ratelimit-limit-${kind}`)), resetsAt: reset === undefined ? undefined : this.now() + reset };
    };
    const requests = budget("requests");
    const tokens = budget("tokens");
    if (requests === undefined && tokens === undefined) return;
    const previous = this.reported.get(endpoint) ?? {};
    this.reported.set(endpoint, { ...previous, ...(requests ? { requests } : {}), ...(tokens ? { tokens } : {}) });
  }

  /** The smaller share left of the two budgets, 0–1; 1 when nothing was reported or every report has reset. */
  headroom(endpoint: string): number {
    const reported = this.reported.get(endpoint);
    if (reported === undefined) return 1;
    return Math.min(this.share(reported.requests), this.share(reported.tokens));
  }

  /** The last report per endpoint, for /v1/endpoints. */
  view(endpoint: string): { requests?: ReportedBudget; tokens?: ReportedBudget } | undefined {
    return this.reported.get(endpoint);
  }

  private share(budget: ReportedBudget | undefined): number {
    if (budget === undefined || (budget.resetsAt !== undefined && budget.resetsAt <= this.now())) return 1;
    if (budget.limit === undefined || budget.limit === 0) return budget.remaining > 0 ? 1 : 0;
    return Math.min(1, budget.remaining / budget.limit);
  }
}
