import type { BudgetConfig, BudgetsConfig } from "../config/config-schema.ts";
import type { AgentRequest } from "../core/agent-request.ts";
import { ModelbusError } from "../core/modelbus-error.ts";
import { budgetWindows, type BudgetLedger, type BudgetLimit, type BudgetUnit, type BudgetWindow, type Charge } from "./budget-ledger.ts";

/** Who a budget belongs to (a bounded label set for the metrics). */
export type BudgetScope = "agent" | "role" | "loop" | "session";

/** A budget that applies to one request: whose it is, and its limits. */
export interface ScopedBudget {
  readonly scope: BudgetScope;
  readonly id: string;
  readonly budget: BudgetConfig;
}

/** What the request is expected to use, charged before the call. */
export interface BudgetEstimate {
  readonly tokens: number;
  readonly cost: number;
}

export interface BudgetMetrics {
  readonly spent: (scope: BudgetScope, unit: BudgetUnit, amount: number) => void;
  readonly refused: (scope: BudgetScope, window: BudgetWindow) => void;
}

/** A taken charge, corrected by the real usage once the call is over. */
export interface BudgetReservation {
  settle(actual: BudgetEstimate): Promise<void>;
}

const windows = Object.keys(budgetWindows) as BudgetWindow[];

function seconds(ms: number): string {
  if (!Number.isFinite(ms)) return "never (a total budget, or a request larger than the budget)";
  if (ms < 60_000) return `in ${Math.max(1, Math.ceil(ms / 1_000))}s`;
  if (ms < 3_600_000) return `in ${Math.ceil(ms / 60_000)}m`;
  return `in ${(ms / 3_600_000).toFixed(1)}h`;
}

/**
 * Budgets per agent, role, loop and session (config `budgets`, and an agent's own from the
 * catalog): a request that would pass one is refused with E_BUDGET_EXCEEDED before any model
 * call, naming the budget and when it refills. The charge is the estimate, taken before the
 * call (atomically across every budget that applies, fleet-wide when the ledger is Redis) and
 * corrected by the reported usage after it, as the endpoints' token limits are.
 */
export class BudgetGuard {
  constructor(
    private readonly config: BudgetsConfig,
    private readonly ledger: BudgetLedger,
    private readonly metrics: BudgetMetrics,
    private readonly now: () => number = Date.now,
  ) {}

  /** The budgets of a request: its agent's (the catalog's if it has one, else config), role's, loop's and session's. */
  budgetsFor(request: AgentRequest, agent?: { readonly key: string; readonly budget?: BudgetConfig | undefined }): ScopedBudget[] {
    const scoped: ScopedBudget[] = [];
    const agentKey = agent?.key ?? request.agent;
    const agentBudget = agent?.budget ?? (agentKey !== undefined ? this.config.agents[agentKey] : undefined);
    if (agentKey !== undefined && agentBudget) scoped.push({ scope: "agent", id: agentKey, budget: agentBudget });
    const roleBudget = request.role !== undefined ? this.config.roles[request.role] : undefined;
    if (request.role !== undefined && roleBudget) scoped.push({ scope: "role", id: request.role, budget: roleBudget });
    if (request.loop_id !== undefined && this.config.loop) scoped.push({ scope: "loop", id: request.loop_id, budget: this.config.loop });
    if (request.session_id !== undefined && this.config.session) scoped.push({ scope: "session", id: request.session_id, budget: this.config.session });
    return scoped;
  }

  /** Charges the estimate to every budget, or refuses (E_BUDGET_EXCEEDED) without charging any. */
  async reserve(budgets: readonly ScopedBudget[], estimate: BudgetEstimate): Promise<BudgetReservation> {
    const limits: Array<BudgetLimit & { scoped: ScopedBudget; unit: BudgetUnit }> = [];
    for (const scoped of budgets) {
      for (const unit of ["tokens", "cost"] as const) {
        const windowsOf = scoped.budget[unit];
        if (!windowsOf) continue;
        for (const window of windows) {
          const limit = windowsOf[window];
          if (limit !== undefined) limits.push({ key: budgetKey(scoped.scope, scoped.id, unit), window, limit, amount: estimate[unit], scoped, unit });
        }
      }
    }
    if (limits.length === 0) return { settle: async () => undefined };
    const result = await this.ledger.charge(limits, this.now());
    if ("exceeded" in result) {
      const failed = limits[result.exceeded.index] as (typeof limits)[number];
      this.metrics.refused(failed.scoped.scope, failed.window);
      const amount = failed.unit === "cost" ? failed.amount.toFixed(6) : String(Math.ceil(failed.amount));
      const spent = failed.unit === "cost" ? result.exceeded.spent.toFixed(6) : String(Math.round(result.exceeded.spent));
      throw new ModelbusError({
        code: "E_BUDGET_EXCEEDED",
        message:
          `${failed.scoped.scope} "${failed.scoped.id}" ${failed.unit} budget ${failed.window.replace("_", " ")} (${failed.limit}) would be exceeded: ` +
          `${spent} spent, this request needs about ${amount}; refills ${seconds(result.exceeded.refillsInMs)}`,
        ...(Number.isFinite(result.exceeded.refillsInMs) ? { retryAfterMs: result.exceeded.refillsInMs } : {}),
      });
    }
    const charge: Charge = result.charge;
    return {
      settle: async (actual) => {
        for (const scoped of budgets)
          for (const unit of ["tokens", "cost"] as const) if (scoped.budget[unit]) this.metrics.spent(scoped.scope, unit, actual[unit]);
        await charge.correct(limits.map((limit) => actual[limit.unit] - limit.amount));
      },
    };
  }

  /** Spend against a budget, per window it limits (for the agent and session views). */
  async spend(
    scope: BudgetScope,
    id: string,
    budget: BudgetConfig,
  ): Promise<Record<BudgetUnit, Partial<Record<BudgetWindow, { limit: number; spent: number }>>>> {
    const view: Record<BudgetUnit, Partial<Record<BudgetWindow, { limit: number; spent: number }>>> = { tokens: {}, cost: {} };
    for (const unit of ["tokens", "cost"] as const) {
      for (const window of windows) {
        const limit = budget[unit]?.[window];
        if (limit !== undefined) view[unit][window] = { limit, spent: await this.ledger.spent(budgetKey(scope, id, unit), window, this.now()) };
      }
    }
    return view;
  }

  /** The session budget that applies to every session, if any. */
  get sessionBudget(): BudgetConfig | undefined {
    return this.config.session;
  }

  /** The config budget of an agent key, if any. */
  agentBudget(key: string): BudgetConfig | undefined {
    return this.config.agents[key];
  }
}

function budgetKey(scope: BudgetScope, id: string, unit: BudgetUnit): string {
  return `budget:${scope}:${id}:${unit}`;
}
