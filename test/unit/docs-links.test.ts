/**
 * README.md stays a quick start, and no relative link in it or in docs/ points at a file that
 * is not in the repository.
 */
import { existsSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/load-config.ts";
import { readRepoFile } from "../support/doc-table.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));
const documents = [
  "README.md",
  ...readdirSync(join(root, "docs"))
    .filter((name) => name.endsWith(".md"))
    .map((name) => `docs/${name}`),
];

/** The targets of `[text](target)` links outside fenced code, without a title or #anchor. */
function linkTargets(markdown: string): string[] {
  const prose = markdown.replace(/^```[\s\S]*?^```/gm, "");
  return [...prose.matchAll(/\]\(\s*([^)\s]+)[^)]*\)/g)].map((match) => (match[1] as string).split("#")[0] as string);
}

describe("README.md and docs/", () => {
  it("keeps README.md to at most 250 lines", () => {
    expect(readRepoFile("README.md").trimEnd().split("\n").length).toBeLessThanOrEqual(250);
  });

  it("gives a real-provider config in README.md that loads", () => {
    const blocks = [...readRepoFile("README.md").matchAll(/```json\n([\s\S]*?)```/g)].map((match) => JSON.parse(match[1] as string) as unknown);
    expect(blocks).toHaveLength(1);
    const config = parseConfig(blocks[0]);
    expect(config.model_registry.endpoints.gpt).toMatchObject({ provider: "openai", api_key_env: "OPENAI_API_KEY" });
  });

  it.each(documents)("%s links only to files that exist", (document) => {
    const relative = linkTargets(readRepoFile(document)).filter((target) => target !== "" && !/^[a-z][a-z0-9+.-]*:/i.test(target));
    const missing = relative.filter((target) => !existsSync(join(root, dirname(document), decodeURI(target))));
    expect(missing).toEqual([]);
  });

  it("finds the links it checks", () => {
    expect(linkTargets(readRepoFile("README.md"))).toContain("docs/configuration.md");
    expect(linkTargets('see [a](../b.md#c "t") and [x](https://e.org)')).toEqual(["../b.md", "https://e.org"]);
  });
});
