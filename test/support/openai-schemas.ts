/**
 * OpenAI's own JSON schemas for what the HTTP door answers, from the openai/openai-openapi spec
 * (test/fixtures/openai-openapi/schemas.json, with its source commit; refresh it with
 * scripts/extract-openai-schemas.ts), compiled with Ajv for JSON Schema 2020-12, the dialect of
 * OpenAPI 3.1. One adaptation, in `asJsonSchema`: the spec still marks some fields with OpenAPI
 * 3.0's `nullable: true`, which JSON Schema does not know (a strict reading would refuse the
 * `logprobs: null` OpenAI itself streams); such a field takes null as well, as the spec means.
 */
import { readFileSync } from "node:fs";
import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";

interface SchemaFixture {
  readonly source: { readonly repository: string; readonly commit: string; readonly path: string; readonly openapi: string };
  readonly roots: readonly string[];
  readonly schemas: Record<string, unknown>;
}

export const openAISchemas = JSON.parse(readFileSync(new URL("../fixtures/openai-openapi/schemas.json", import.meta.url), "utf8")) as SchemaFixture;

/** `nullable: true` (OpenAPI 3.0) as JSON Schema: null joins the type and any enum. */
function asJsonSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(asJsonSchema);
  if (node === null || typeof node !== "object") return node;
  const entries = Object.entries(node as Record<string, unknown>).filter(([key]) => key !== "nullable");
  const schema: Record<string, unknown> = Object.fromEntries(entries.map(([key, value]) => [key, asJsonSchema(value)]));
  if ((node as { nullable?: unknown }).nullable === true) {
    if (typeof schema.type === "string") schema.type = [schema.type, "null"];
    if (Array.isArray(schema.enum) && !schema.enum.includes(null)) schema.enum = [...schema.enum, null];
    if (schema.type === undefined && schema.enum === undefined) return { anyOf: [schema, { type: "null" }] };
  }
  return schema;
}

const ajv = new Ajv2020({ allErrors: true, strict: false });
ajv.addFormat("unixtime", true);
ajv.addFormat("date", /^\d{4}-\d{2}-\d{2}$/);
ajv.addFormat("uri", (value: string) => URL.canParse(value));
ajv.addSchema({ $id: "openai", components: { schemas: asJsonSchema(openAISchemas.schemas) } });

const validators = new Map<string, ValidateFunction>();

/** The problems Ajv finds in `value` against the named component schema; [] when it is valid. */
export function openAISchemaErrors(schema: string, value: unknown): string[] {
  if (!openAISchemas.roots.includes(schema)) throw new Error(`${schema} is not among the fixture's schemas (${openAISchemas.roots.join(", ")})`);
  let validate = validators.get(schema);
  if (validate === undefined) {
    validate = ajv.getSchema(`openai#/components/schemas/${schema}`);
    if (validate === undefined) throw new Error(`Ajv could not compile ${schema}`);
    validators.set(schema, validate);
  }
  if (validate(value)) return [];
  return (validate.errors ?? []).map((error) => `${schema}${error.instancePath} ${error.message ?? ""} ${JSON.stringify(error.params)}`);
}
