import type { ToolDefinition } from "./agent-request.ts";

/** Limits over rolling windows (config `budgets`, an agent's `budget`); a window left out is not limited. */
export interface GovernedBudgetWindows {
  readonly per_minute?: number | undefined;
  readonly per_hour?: number | undefined;
  readonly per_day?: number | undefined;
  readonly total?: number | undefined;
}

/** A budget in tokens and in cost: the shape config's budgetSchema parses (core imports nothing of ours). */
export interface GovernedBudget {
  readonly tokens?: GovernedBudgetWindows | undefined;
  readonly cost?: GovernedBudgetWindows | undefined;
}

/** An agent's settings as they govern a request that names it. */
export interface AgentSettings {
  readonly id: string;
  readonly key: string;
  readonly systemPrompt?: string | undefined;
  readonly defaultModel?: string | undefined;
  readonly fallbackModels: readonly string[];
  readonly temperature?: number | undefined;
  readonly tools?: readonly ToolDefinition[] | undefined;
  /** The agent's own budget (catalog `budget`); wins over `budgets.agents.<key>` of the config. */
  readonly budget?: GovernedBudget | undefined;
}

/** Per-session overrides; they win over the agent's settings. */
export interface SessionSettings {
  readonly modelOverride?: string | undefined;
  readonly temperatureOverride?: number | undefined;
  readonly allowedTools?: readonly string[] | undefined;
}
