import { z } from "zod";
import { budgetSchema } from "../../config/config-schema.ts";
import { namedToolDefinitionSchema } from "../../core/agent-request.ts";

const key = z
  .string()
  .min(1)
  .max(191)
  .regex(/^[A-Za-z0-9_.:-]+$/, "may use letters, digits, _ . : - only");
const modelName = z.string().min(1).max(191);
const text = z.string().max(1_000_000);
const metadata = z.record(z.string(), z.unknown());

/** POST /v1/agents. Unknown fields are refused, so a misspelt field is a 400, not silently lost. */
export const createAgentSchema = z.strictObject({
  key,
  display_name: z.string().min(1).max(191).optional(),
  system_prompt: text.nullish(),
  default_model: modelName.nullish(),
  fallback_models: z.array(modelName).max(32).default([]),
  temperature: z.number().min(0).max(2).nullish(),
  tools: z.array(namedToolDefinitionSchema).max(128).nullish(),
  metadata: metadata.nullish(),
  budget: budgetSchema.nullish(),
});

/** PATCH /v1/agents/{id}: only the fields sent change; null clears an optional field. */
export const updateAgentSchema = z
  .strictObject({
    key: key.optional(),
    display_name: z.string().min(1).max(191).optional(),
    system_prompt: text.nullish(),
    default_model: modelName.nullish(),
    fallback_models: z.array(modelName).max(32).optional(),
    temperature: z.number().min(0).max(2).nullish(),
    tools: z.array(namedToolDefinitionSchema).max(128).nullish(),
    metadata: metadata.nullish(),
    budget: budgetSchema.nullish(),
  })
  .refine((body) => Object.keys(body).length > 0, { message: "at least one field to change is required" });

export const agentParamsSchema = z.strictObject({ id: z.string().min(1).max(191) });

export type CreateAgentBody = z.output<typeof createAgentSchema>;
export type UpdateAgentBody = z.output<typeof updateAgentSchema>;
