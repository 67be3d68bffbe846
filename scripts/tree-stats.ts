/**
 * `npx tsx scripts/tree-stats.ts`: how the tree is cut into files, to compare before and after
 * a reshaping. For src/ (without src/generated), test/, bench/ and scripts/: files and lines per
 * folder, the longest file, and the longest function (function declarations, methods, accessors,
 * constructors, function expressions and arrow functions, measured by the lines their body spans).
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import ts from "typescript";

const roots = ["src", "test", "bench", "scripts"];
const excluded = new Set(["src/generated", "node_modules"]);
const sourceExtensions = [".ts", ".tsx", ".mts", ".cts", ".js", ".mjs"];

interface FileStats {
  path: string;
  lines: number;
}

interface FunctionSpan {
  path: string;
  name: string;
  line: number;
  lines: number;
}

function listFiles(directory: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(directory)) {
    const path = join(directory, entry);
    if (excluded.has(relative(process.cwd(), path))) continue;
    if (statSync(path).isDirectory()) files.push(...listFiles(path));
    else files.push(path);
  }
  return files;
}

function countLines(text: string): number {
  if (text.length === 0) return 0;
  return text.endsWith("\n") ? text.split("\n").length - 1 : text.split("\n").length;
}

function functionName(node: ts.Node): string {
  if (
    (ts.isFunctionDeclaration(node) || ts.isMethodDeclaration(node) || ts.isFunctionExpression(node) || ts.isGetAccessor(node) || ts.isSetAccessor(node)) &&
    node.name
  ) {
    return node.name.getText();
  }
  if (ts.isConstructorDeclaration(node)) return "constructor";
  const parent = node.parent;
  if (parent && ts.isVariableDeclaration(parent)) return parent.name.getText();
  if (parent && ts.isPropertyAssignment(parent)) return parent.name.getText();
  if (parent && ts.isPropertyDeclaration(parent)) return parent.name.getText();
  return "(anonymous)";
}

function longestFunctionIn(path: string, text: string): FunctionSpan | undefined {
  const source = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true);
  let longest: FunctionSpan | undefined;
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && "body" in node && node.body) {
      const body = node.body as ts.Node;
      const start = source.getLineAndCharacterOfPosition(body.getStart(source)).line;
      const end = source.getLineAndCharacterOfPosition(body.getEnd()).line;
      const lines = end - start + 1;
      if (!longest || lines > longest.lines) longest = { path, name: functionName(node), line: start + 1, lines };
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return longest;
}

function folderOf(path: string): string {
  const parts = path.split("/");
  return parts.slice(0, -1).join("/") || ".";
}

const repoRoot = process.cwd();
for (const root of roots) {
  const files = listFiles(join(repoRoot, root)).map((path) => relative(repoRoot, path));
  const perFolder = new Map<string, { files: number; lines: number }>();
  let longestFile: FileStats | undefined;
  let longestFunction: FunctionSpan | undefined;
  let totalLines = 0;
  for (const path of files) {
    const text = readFileSync(join(repoRoot, path), "utf8");
    const lines = countLines(text);
    totalLines += lines;
    const folder = perFolder.get(folderOf(path)) ?? { files: 0, lines: 0 };
    folder.files += 1;
    folder.lines += lines;
    perFolder.set(folderOf(path), folder);
    if (!sourceExtensions.some((extension) => path.endsWith(extension))) continue;
    if (!longestFile || lines > longestFile.lines) longestFile = { path, lines };
    const span = longestFunctionIn(path, text);
    if (span && (!longestFunction || span.lines > longestFunction.lines)) longestFunction = span;
  }
  console.log(`${root}/: ${files.length} files, ${totalLines} lines`);
  for (const [folder, stats] of [...perFolder].sort(([a], [b]) => a.localeCompare(b))) {
    console.log(`  ${folder.padEnd(44)} ${String(stats.files).padStart(4)} files ${String(stats.lines).padStart(7)} lines`);
  }
  if (longestFile) console.log(`  longest file: ${longestFile.path} (${longestFile.lines} lines)`);
  if (longestFunction) {
    console.log(`  longest function: ${longestFunction.name} in ${longestFunction.path}:${longestFunction.line} (${longestFunction.lines} lines)`);
  }
  console.log("");
}
