import { budgetSchema } from "../config/config-schema.ts";
import { z } from "zod";
import { toolDefinitionSchema } from "../core/agent-request.ts";
import type { AgentSettings, SessionSettings } from "../core/governance.ts";
import type { Agent, Session } from "../generated/prisma/client.ts";

const stringList = z.array(z.string());
const toolList = z.array(toolDefinitionSchema);

/** JSON columns are parsed with a schema when they leave the database, like any boundary. */
export function agentSettingsFromRow(row: Pick<Agent, "id" | "key" | "systemPrompt" | "defaultModel" | "fallbackModels" | "temperature" | "tools" | "budget">): AgentSettings {
  const fallbacks = stringList.safeParse(row.fallbackModels);
  const tools = row.tools === null ? undefined : toolList.safeParse(row.tools);
  return {
    id: row.id,
    key: row.key,
    systemPrompt: row.systemPrompt ?? undefined,
    defaultModel: row.defaultModel ?? undefined,
    fallbackModels: fallbacks.success ? fallbacks.data : [],
    temperature: row.temperature ?? undefined,
    tools: tools?.success ? tools.data : undefined,
    budget: row.budget === null ? undefined : (budgetSchema.safeParse(row.budget).data ?? undefined),
  };
}

export function sessionSettingsFromRow(row: Pick<Session, "modelOverride" | "temperatureOverride" | "allowedTools">): SessionSettings | undefined {
  const allowed = row.allowedTools === null ? undefined : stringList.safeParse(row.allowedTools);
  const settings: SessionSettings = {
    modelOverride: row.modelOverride ?? undefined,
    temperatureOverride: row.temperatureOverride ?? undefined,
    allowedTools: allowed?.success ? allowed.data : undefined,
  };
  return settings.modelOverride === undefined && settings.temperatureOverride === undefined && settings.allowedTools === undefined
    ? undefined
    : settings;
}
