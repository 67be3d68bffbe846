import type { BudgetConfig } from "../config/config-schema.ts";
import type { ToolDefinition } from "./agent-request.ts";

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
  readonly budget?: BudgetConfig | undefined;
}

/** Per-session overrides; they win over the agent's settings. */
export interface SessionSettings {
  readonly modelOverride?: string | undefined;
  readonly temperatureOverride?: number | undefined;
  readonly allowedTools?: readonly string[] | undefined;
}
