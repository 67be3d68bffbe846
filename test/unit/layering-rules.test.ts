/** The layering of src/ as ESLint enforces it (eslint.config.js, docs/architecture.md "Layers"). */
import { ESLint } from "eslint";
import { describe, expect, it } from "vitest";

const eslint = new ESLint({ cwd: new URL("../../", import.meta.url).pathname });

async function restricted(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).filter((message) => message.ruleId === "no-restricted-imports").map((message) => message.message);
}

describe("layering rules", () => {
  it("refuses upward imports and imports within one layer", async () => {
    expect(await restricted("src/core/x.ts", 'import type { ModelbusConfig } from "../config/config-schema.ts";\nexport type X = ModelbusConfig;\n')).toEqual([
      expect.stringContaining("core is below config"),
    ]);
    expect(
      await restricted("src/store/x.ts", 'import { runStoredRequest } from "../pipeline/run-stored-request.ts";\nexport const x = runStoredRequest;\n'),
    ).toHaveLength(1);
    expect(await restricted("src/providers/x.ts", 'import { x } from "../store/y.ts";\nexport const z = x;\n')).toEqual([
      expect.stringContaining("providers is below store"),
    ]);
    expect(await restricted("src/transports/nats/x.ts", 'import { x } from "../http/y.ts";\nexport const z = x;\n')).toHaveLength(1);
  });

  it("lets a folder import lower layers and its own files", async () => {
    expect(await restricted("src/pipeline/x.ts", 'import { x } from "../store/y.ts";\nimport { y } from "./z.ts";\nexport const z = [x, y];\n')).toEqual([]);
    expect(await restricted("src/main.ts", 'import { x } from "./transports/http/y.ts";\nexport const z = x;\n')).toEqual([]);
  });

  it("keeps each SDK in the folder that owns it", async () => {
    expect(await restricted("src/pipeline/x.ts", 'import OpenAI from "openai";\nexport const x = OpenAI;\n')).toEqual([
      expect.stringContaining("only its owning folder"),
    ]);
    expect(await restricted("src/main.ts", 'import { jetstream } from "@nats-io/jetstream";\nexport const x = jetstream;\n')).toHaveLength(1);
    expect(await restricted("src/providers/x.ts", 'import OpenAI from "openai";\nexport const x = OpenAI;\n')).toEqual([]);
    expect(await restricted("src/transports/http/x.ts", 'import { x } from "../../generated/prisma/client.ts";\nexport const y = x;\n')).toEqual([
      expect.stringContaining("generated Prisma client"),
    ]);
  });
});
