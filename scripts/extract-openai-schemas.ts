/**
 * Refreshes test/fixtures/openai-openapi/schemas.json: the component schemas of OpenAI's own
 * OpenAPI spec (github.com/openai/openai-openapi, openapi.json) that the HTTP door's answers
 * are validated against, with every schema they reference, verbatim, and the commit they came from.
 *
 *   git -C <openai-openapi checkout> show <commit>:openapi.json > /tmp/openapi.json
 *   npx tsx scripts/extract-openai-schemas.ts /tmp/openapi.json <commit>
 */
import { readFileSync, writeFileSync } from "node:fs";

const roots = ["CreateChatCompletionResponse", "CreateChatCompletionStreamResponse", "ListModelsResponse", "ErrorResponse"];
const [specPath, commit] = process.argv.slice(2);
if (!specPath || !commit) throw new Error("usage: extract-openai-schemas.ts <openapi.json> <commit>");

const spec = JSON.parse(readFileSync(specPath, "utf8")) as { openapi: string; info: { version: string }; components: { schemas: Record<string, unknown> } };
const all = spec.components.schemas;
const kept: Record<string, unknown> = {};

function collect(name: string): void {
  if (name in kept) return;
  const schema = all[name];
  if (schema === undefined) throw new Error(`the spec has no schema ${name}`);
  kept[name] = schema;
  for (const match of JSON.stringify(schema).matchAll(/"#\/components\/schemas\/([^"]+)"/g)) collect(match[1] as string);
}
roots.forEach(collect);

const fixture = {
  source: { repository: "https://github.com/openai/openai-openapi", commit, path: "openapi.json", openapi: spec.openapi, api_version: spec.info.version },
  roots,
  schemas: Object.fromEntries(
    Object.keys(kept)
      .sort()
      .map((name) => [name, kept[name]]),
  ),
};
writeFileSync(new URL("../test/fixtures/openai-openapi/schemas.json", import.meta.url), `${JSON.stringify(fixture, null, 2)}\n`);
console.log(`kept ${Object.keys(kept).length} schemas from ${commit}`);
