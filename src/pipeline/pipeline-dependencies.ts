import type { ModelbusConfig } from "../config/config-schema.ts";
import type { AgentResponse } from "../core/agent-response.ts";
import type { ChatProvider } from "../core/chat-provider.ts";
import type { ModelbusError } from "../core/modelbus-error.ts";
import type { Logger } from "../observability/logger.ts";
import type { Metrics } from "../observability/metrics.ts";
import type { BreakerRegistry } from "../registry/breaker-registry.ts";
import type { BudgetGuard } from "../budget/budget-guard.ts";
import { DeploymentRouter } from "../registry/deployment-router.ts";
import type { ModelRegistry } from "../registry/model-registry.ts";
import { ProviderRateLimits } from "../providers/provider-rate-limits.ts";
import { type RetryPolicy, retryPolicyFromConfig } from "../retry/retry-policy.ts";
import { sleepWithSignal } from "../retry/sleep-with-signal.ts";
import type { ThrottleRegistry } from "../throttle/throttle-registry.ts";

export interface PipelineDependencies {
  readonly registry: ModelRegistry;
  /** Orders deployment groups per request; remembers 429 cool-downs (deployment-router.ts). */
  readonly router: DeploymentRouter;
  /** What providers last reported of their rate limits, per endpoint (the router's `limit_aware`). */
  readonly rateLimits: ProviderRateLimits;
  /** Budgets per agent, role, loop and session (config `budgets`); undefined when none is configured and no agent has one. */
  readonly budgets?: BudgetGuard | undefined;
  readonly provider: ChatProvider;
  readonly throttles: ThrottleRegistry;
  readonly breakers: BreakerRegistry;
  readonly retryPolicy: RetryPolicy;
  readonly serviceTimeoutMs: number;
  readonly firstTokenTimeoutMs: number;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly now: () => number;
}

/** The pipeline's dependencies: the given parts, with retry policy, timeouts, sleep and clock from the config. */
export function pipelineDependencies(
  config: ModelbusConfig,
  parts: Pick<PipelineDependencies, "registry" | "provider" | "throttles" | "breakers" | "metrics" | "logger"> & {
    readonly rateLimits?: ProviderRateLimits;
    readonly budgets?: BudgetGuard | undefined;
    /** The router of the pipeline this one replaces (a reload): its cool-downs and round-robin carry over. */
    readonly router?: DeploymentRouter | undefined;
  },
): PipelineDependencies {
  const { rateLimits = new ProviderRateLimits(), router: previousRouter, ...rest } = parts;
  const now = () => performance.now();
  const router =
    previousRouter ??
    new DeploymentRouter({
      // Headroom: the smaller of what the endpoint's own limits have left and what its provider reported.
      load: async (endpoint) => {
        const load = await parts.throttles.for(endpoint).load();
        return { ...load, headroom: Math.min(load.headroom, rateLimits.headroom(endpoint)) };
      },
      closed: (endpoint) => !parts.breakers.enabled || parts.breakers.for(endpoint).retryInMs() === 0,
      now,
    });
  return {
    ...rest,
    router,
    rateLimits,
    retryPolicy: retryPolicyFromConfig(config.retry),
    serviceTimeoutMs: config.service.timeout,
    firstTokenTimeoutMs: config.service.first_token_timeout,
    sleep: sleepWithSignal,
    now,
  };
}

/**
 * What a door does next with a request, whichever layer decided it: answer it (with the
 * model's response or the one the store kept), hand it back for later, or give it up for now.
 */
export type RequestOutcome =
  | { readonly type: "answer"; readonly response: AgentResponse; readonly source: "model" | "store"; readonly persisted: boolean }
  | { readonly type: "retry_later"; readonly delayMs: number; readonly reason: string; readonly error?: ModelbusError }
  | { readonly type: "abandoned"; readonly error: ModelbusError };

/** What the endpoint chain ends in, before any store: the model's answer, not stored yet, or work to hand back (shutdown, bug). */
export type EndpointChainOutcome =
  (Extract<RequestOutcome, { type: "answer" }> & { readonly source: "model"; readonly persisted: false }) | Extract<RequestOutcome, { type: "abandoned" }>;

/**
 * Where a request's time went, for the overhead metric: the door's total minus these is
 * what modelbus itself cost.
 */
export interface RequestTiming {
  /** Time inside provider calls (every attempt). */
  providerMs: number;
  /** Deliberate waits: throttle queue and retry backoff. */
  waitMs: number;
}
