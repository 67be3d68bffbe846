/**
 * The catalog's JSON columns, each read with its schema as it leaves the database (a value that
 * does not fit reads as absent) and written as SQL NULL when absent; and the agent and session
 * settings the pipeline takes from those columns.
 */
import { budgetSchema, type BudgetConfig } from "../config/config-schema.ts";
import { z } from "zod";
import { toolCallSchema, toolDefinitionSchema, type ToolCall, type ToolDefinition } from "../core/agent-request.ts";
import type { AgentSettings, SessionSettings } from "../core/governance.ts";
import { Prisma, type Agent, type Session } from "../generated/prisma/client.ts";

const jsonObject = z.record(z.string(), z.unknown());
const stringList = z.array(z.string());
const toolList = z.array(toolDefinitionSchema);
const toolCallList = z.array(toolCallSchema);

/** JSON columns are parsed with a schema when they leave the database, like any boundary. */
export const readJson = {
  object: (value: unknown): Record<string, unknown> | null => (value === null ? null : (jsonObject.safeParse(value).data ?? null)),
  strings: (value: unknown): string[] | null => (value === null ? null : (stringList.safeParse(value).data ?? null)),
  tools: (value: unknown): ToolDefinition[] | null => (value === null ? null : (toolList.safeParse(value).data ?? null)),
  toolCalls: (value: unknown): ToolCall[] | null => (value === null ? null : (toolCallList.safeParse(value).data ?? null)),
  budget: (value: unknown): BudgetConfig | null => (value === null ? null : (budgetSchema.safeParse(value).data ?? null)),
};

/** A nullable JSON column's input: SQL NULL for null, the value otherwise. */
export function jsonColumn(value: unknown): Prisma.InputJsonValue | typeof Prisma.DbNull {
  return value === null || value === undefined ? Prisma.DbNull : (value as Prisma.InputJsonValue);
}

/** Prisma's "unique constraint failed": the caller reports a conflict instead of an outage. */
export function isUniqueViolation(error: unknown): boolean {
  return error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002";
}

/** The governance settings of an agent row. */
export function agentSettingsFromRow(
  row: Pick<Agent, "id" | "key" | "systemPrompt" | "defaultModel" | "fallbackModels" | "temperature" | "tools" | "budget">,
): AgentSettings {
  return {
    id: row.id,
    key: row.key,
    systemPrompt: row.systemPrompt ?? undefined,
    defaultModel: row.defaultModel ?? undefined,
    fallbackModels: readJson.strings(row.fallbackModels) ?? [],
    temperature: row.temperature ?? undefined,
    tools: readJson.tools(row.tools) ?? undefined,
    budget: readJson.budget(row.budget) ?? undefined,
  };
}

/** A session row's overrides; undefined when it overrides nothing. */
export function sessionSettingsFromRow(row: Pick<Session, "modelOverride" | "temperatureOverride" | "allowedTools">): SessionSettings | undefined {
  const settings: SessionSettings = {
    modelOverride: row.modelOverride ?? undefined,
    temperatureOverride: row.temperatureOverride ?? undefined,
    allowedTools: readJson.strings(row.allowedTools) ?? undefined,
  };
  return settings.modelOverride === undefined && settings.temperatureOverride === undefined && settings.allowedTools === undefined ? undefined : settings;
}
