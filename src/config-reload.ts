/**
 * Config reload of a running service (SIGHUP, POST /v1/admin/reload, a change of the config
 * file): read the file again, refuse it whole when it is invalid, else apply what can change at
 * runtime (config/reloadable.ts) to new requests: a new pipeline over the same throttles,
 * breakers, router and budget ledger, with fresh throttles and breakers for the endpoints
 * that changed. Requests in flight finish on the pipeline they started with.
 */
import { watch, type FSWatcher } from "node:fs";
import { basename, dirname } from "node:path";
import type { ModelbusConfig } from "./config/config-schema.ts";
import { applyReloadable, changedEndpoints, restartRequired } from "./config/reloadable.ts";
import type { Logger } from "./observability/logger.ts";
import type { Metrics } from "./observability/metrics.ts";
import type { PipelineDependencies } from "./pipeline/pipeline-dependencies.ts";
import type { OpenAIChatProvider } from "./providers/openai-chat-provider.ts";
import type { BreakerRegistry } from "./registry/breaker-registry.ts";
import type { DeploymentRouter } from "./registry/deployment-router.ts";
import { throttleLimitsFromConfig } from "./throttle/throttle-limits.ts";
import type { ThrottleRegistry } from "./throttle/throttle-registry.ts";

/** What a reload did. */
export interface ReloadResult {
  readonly status: "applied" | "refused";
  /** Why it was refused: every problem of the new config. */
  readonly problems: readonly string[];
  /** Keys that changed but keep their old value until a restart. */
  readonly restartRequired: readonly string[];
  /** Endpoints that got a fresh throttle (their limits changed, or they went) or breaker (their definition changed). */
  readonly replacedEndpoints: readonly string[];
  readonly at: string;
}

/** The config and pipeline new requests use; a reload replaces both. */
export interface ServiceRuntime {
  config: ModelbusConfig;
  pipeline: PipelineDependencies;
}

export interface ConfigReloadOptions {
  readonly runtime: ServiceRuntime;
  /** Reads the config again; throws E_CONFIG_INVALID listing every problem. */
  readonly readConfig: () => ModelbusConfig;
  /** The pipeline of one config, keeping the given router (its 429 cool-downs). */
  readonly pipelineFor: (effective: ModelbusConfig, router: DeploymentRouter) => PipelineDependencies;
  /** Whether the built-in mock provider runs (it starts only with the service). */
  readonly mockProviderRunning: boolean;
  readonly breakers: BreakerRegistry;
  readonly throttles: ThrottleRegistry;
  readonly metrics: Metrics;
  readonly logger: Logger;
}

/** Reloads one at a time, and keeps the providers of replaced pipelines open until their calls can have finished. */
export class ConfigReload {
  #last: ReloadResult | undefined;
  #reloading: Promise<ReloadResult> | undefined;
  readonly #retiredProviders = new Set<OpenAIChatProvider>();

  constructor(private readonly options: ConfigReloadOptions) {}

  /** The last reload's result, for /readyz. */
  get last(): ReloadResult | undefined {
    return this.#last;
  }

  /** Providers of replaced pipelines not closed yet (a stopping service closes them). */
  get retiredProviders(): ReadonlySet<OpenAIChatProvider> {
    return this.#retiredProviders;
  }

  /** Re-reads the config and applies what can change at runtime; never rejects. */
  reload(source: string): Promise<ReloadResult> {
    // One at a time: a second trigger while one runs gets that one's result.
    this.#reloading ??= Promise.resolve()
      .then(() => this.#apply(source))
      .finally(() => (this.#reloading = undefined));
    return this.#reloading;
  }

  #apply(source: string): ReloadResult {
    const { runtime, breakers, throttles, metrics, logger } = this.options;
    const at = new Date().toISOString();
    const refuse = (problems: string[]): ReloadResult => {
      metrics.configReloads.inc({ result: "refused" });
      this.#last = { status: "refused", problems, restartRequired: [], replacedEndpoints: [], at };
      logger.error({ source, problems }, "config reload refused; the running config stays");
      return this.#last;
    };
    let next: ModelbusConfig;
    try {
      next = this.options.readConfig();
    } catch (error) {
      const problems = (error as Error).message
        .split("\n")
        .map((line) => line.replace(/^\s*-\s*/, "").trim())
        .filter((line) => line !== "" && !line.startsWith("invalid config"));
      return refuse(problems.length > 0 ? problems : [(error as Error).message]);
    }
    const usesMock = Object.values(next.model_registry.endpoints).some((endpoint) => endpoint.provider === "mock" && endpoint.url === undefined);
    if (usesMock && !this.options.mockProviderRunning) {
      return refuse(["model_registry.endpoints: a mock endpoint needs the built-in mock provider, which starts only with the service (restart)"]);
    }
    const restart = restartRequired(runtime.config, next);
    const effective = applyReloadable(runtime.config, next);
    const changed = changedEndpoints(runtime.config, effective);
    for (const name of changed) breakers.forget(name);
    const replaced = [...new Set([...throttles.reconfigure(throttleLimitsFromConfig(effective.model_registry.endpoints)), ...changed])];
    const previous = runtime.pipeline;
    runtime.pipeline = this.options.pipelineFor(effective, previous.router);
    runtime.config = effective;
    logger.level = effective.service.log_level;
    this.#retire(previous);
    metrics.configReloads.inc({ result: "applied" });
    this.#last = { status: "applied", problems: [], restartRequired: restart, replacedEndpoints: replaced, at };
    logger.info(
      { source, restart_required: restart, replaced_endpoints: replaced },
      restart.length > 0 ? "config reloaded; some changes wait for a restart" : "config reloaded",
    );
    return this.#last;
  }

  /**
   * Calls in flight finish on the provider they started with; it closes once the longest a
   * request of the old config could run has passed.
   */
  #retire(previous: PipelineDependencies): void {
    const retired = previous.provider as OpenAIChatProvider;
    this.#retiredProviders.add(retired);
    const longestMs = Math.max(previous.serviceTimeoutMs, previous.registry.longestTimeoutMs()) + 5_000;
    setTimeout(() => {
      this.#retiredProviders.delete(retired);
      void retired.close();
    }, longestMs).unref();
  }
}

/** Calls `onChange` once the file has settled after a change (editors write in several steps). */
export function watchConfigFile(path: string, onChange: () => void, logger: Logger): FSWatcher | undefined {
  let timer: NodeJS.Timeout | undefined;
  try {
    // The directory, not the file: editors save by renaming a new file over it, and a Kubernetes
    // ConfigMap swaps a symlink; a watch on the file itself would lose it after the first change.
    const watcher = watch(dirname(path), (_event, name) => {
      if (name !== null && name !== basename(path) && !name.startsWith("..")) return;
      clearTimeout(timer);
      timer = setTimeout(onChange, 200);
    });
    watcher.on("error", (error) => logger.warn({ err: error, path }, "config file watch failed; reload with SIGHUP or POST /v1/admin/reload"));
    return watcher;
  } catch (error) {
    logger.warn({ err: error, path }, "cannot watch the config file; reload with SIGHUP or POST /v1/admin/reload");
    return undefined;
  }
}
