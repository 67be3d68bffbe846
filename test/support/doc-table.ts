import { readFileSync } from "node:fs";

/** A file of the repository, by its path from the root (`README.md`, `docs/configuration.md`). */
export function readRepoFile(path: string): string {
  return readFileSync(new URL(`../../${path}`, import.meta.url), "utf8");
}

/** First-column `code` cells of the markdown table under the heading with this title, in that document. */
export function docTableKeys(path: string, heading: string): string[] {
  const doc = readRepoFile(path);
  const start = doc.search(new RegExp(`^#+ ${heading}\\s*$`, "m"));
  if (start < 0) throw new Error(`${path} has no heading "${heading}"`);
  const section = doc.slice(start).split("\n").slice(1);
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
