import { readFileSync } from "node:fs";

export const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");

/** First-column `code` cells of the markdown table under the heading with this title. */
export function readmeTableKeys(heading: string): string[] {
  const start = readme.search(new RegExp(`^#+ ${heading}\\s*$`, "m"));
  if (start < 0) throw new Error(`README has no heading "${heading}"`);
  const section = readme.slice(start).split("\n").slice(1);
  const keys: string[] = [];
  let inTable = false;
  for (const line of section) {
    if (line.startsWith("|")) {
      inTable = true;
      const match = /^\|\s*`([^`]+)`/.exec(line);
      if (match?.[1]) keys.push(match[1]);
    } else if (inTable || /^#+ /.test(line)) break;
  }
  return keys;
}
