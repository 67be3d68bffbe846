/**
 * Default arguments for a mock tool call: a JSON object that a tool's parameter schema
 * would plausibly accept (`{"location":"London"}` for a weather-style tool, otherwise
 * every required property filled with a value of its type, strings as "example").
 */

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function exampleValue(name: string, schema: unknown): unknown {
  if (name === "location") return "London";
  if (!isRecord(schema)) return "example";
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0];
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case "number":
    case "integer":
      return 1;
    case "boolean":
      return true;
    case "array":
      return [];
    case "object":
      return {};
    default:
      return "example";
  }
}

/** JSON text of plausible arguments for a JSON-schema `parameters` object. */
export function plausibleToolArguments(parameters: unknown): string {
  if (!isRecord(parameters)) return "{}";
  const properties = isRecord(parameters.properties) ? parameters.properties : {};
  const required = Array.isArray(parameters.required) ? parameters.required : [];
  const args: Record<string, unknown> = {};
  if ("location" in properties) args.location = "London";
  for (const name of required) {
    if (typeof name === "string" && !(name in args)) args[name] = exampleValue(name, properties[name]);
  }
  return JSON.stringify(args);
}
