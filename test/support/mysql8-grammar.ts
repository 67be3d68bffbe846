/**
 * What "valid on MySQL 8" means where only MariaDB runs: a statement must parse with a MySQL
 * grammar (node-sql-parser's `mysql` dialect) and use none of the constructs MySQL 8.0 / 8.4
 * lacks, which MariaDB accepts. The list below is the MariaDB-only SQL a change here could
 * plausibly reach for; each entry says where MySQL draws the line (MySQL 8.4 Reference Manual,
 * and the MariaDB Knowledge Base page "Incompatibilities and Feature Differences Between
 * MariaDB and MySQL").
 */
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import type { Parser as SqlParser } from "node-sql-parser";
import { openMigrationConnection } from "../../src/store/migrations/migration-history.ts";
import { parseDatabaseUrl } from "../../src/store/database-url.ts";
import { baseDatabaseUrl } from "./test-database.ts";

// node-sql-parser is CommonJS; its named exports are not visible to Node's ESM loader.
const { Parser } = createRequire(import.meta.url)("node-sql-parser") as { Parser: new () => SqlParser };
const parser = new Parser();

/** A construct MySQL 8 does not have, and why. */
interface MariadbOnly {
  readonly pattern: RegExp;
  readonly why: string;
}

export const mariadbOnlyConstructs: readonly MariadbOnly[] = [
  { pattern: /\bRETURNING\b/i, why: "INSERT/DELETE … RETURNING is MariaDB's; MySQL has no RETURNING clause" },
  { pattern: /\b(CREATE|ALTER|DROP)\s+SEQUENCE\b|\bNEXT\s+VALUE\s+FOR\b|\b(NEXTVAL|LASTVAL|SETVAL)\s*\(/i, why: "sequences are MariaDB's" },
  { pattern: /\bCREATE\s+OR\s+REPLACE\s+TABLE\b/i, why: "CREATE OR REPLACE TABLE is MariaDB's (MySQL has it for views only)" },
  { pattern: /\b(ADD|DROP|MODIFY|CHANGE)\s+(COLUMN\s+)?IF\s+(NOT\s+)?EXISTS\b/i, why: "IF [NOT] EXISTS on ALTER TABLE columns is MariaDB's" },
  {
    pattern: /\b(ADD|DROP)\s+(INDEX|KEY|CONSTRAINT|FOREIGN\s+KEY)\s+IF\s+(NOT\s+)?EXISTS\b/i,
    why: "IF [NOT] EXISTS on ALTER TABLE indexes and constraints is MariaDB's",
  },
  {
    pattern: /\bCREATE\s+(UNIQUE\s+)?INDEX\s+IF\s+NOT\s+EXISTS\b|\bDROP\s+INDEX\s+IF\s+EXISTS\b/i,
    why: "CREATE INDEX IF NOT EXISTS / DROP INDEX IF EXISTS are MariaDB's",
  },
  { pattern: /\bSET\s+STATEMENT\b/i, why: "SET STATEMENT … FOR is MariaDB's (MySQL: the SET_VAR optimizer hint)" },
  { pattern: /\bWITH\s+SYSTEM\s+VERSIONING\b|\bFOR\s+SYSTEM_TIME\b/i, why: "system-versioned tables are MariaDB's" },
  {
    pattern: /\bENGINE\s*=?\s*(Aria|ColumnStore|S3|Spider|Sequence|Connect|OQGraph|Mroonga)\b/i,
    why: "that storage engine is MariaDB's (MySQL 8 has InnoDB, MEMORY, CSV, ARCHIVE, BLACKHOLE, MyISAM)",
  },
  { pattern: /\b(PAGE_CHECKSUM|TRANSACTIONAL|PAGE_COMPRESSED|ENCRYPTION_KEY_ID|IETF_QUOTES)\s*=/i, why: "that table option is MariaDB's" },
  { pattern: /\b(INET4|INET6|UUID)\b(?!\s*\()/i, why: "INET4, INET6 and UUID column types are MariaDB's (UUID() the function exists in both)" },
  {
    pattern:
      /\b(JSON_DETAILED|JSON_LOOSE|JSON_COMPACT|JSON_EXISTS|JSON_QUERY|JSON_NORMALIZE|JSON_EQUALS|JSON_KEY_VALUE|JSON_ARRAY_INTERSECT|JSON_OBJECT_FILTER_KEYS|JSON_OBJECT_TO_ARRAY)\s*\(/i,
    why: "that JSON function is MariaDB's",
  },
  {
    pattern: /\b(SFORMAT|NATURAL_SORT_KEY|SYS_GUID|DECODE_ORACLE|LPAD_ORACLE|ADD_MONTHS|TO_CHAR|KDF|COLUMN_CREATE|COLUMN_GET|COLUMN_JSON)\s*\(/i,
    why: "that function is MariaDB's",
  },
  { pattern: /\bVALUE\s*\(/i, why: "VALUE() in ON DUPLICATE KEY UPDATE is MariaDB's spelling (MySQL: VALUES())" },
  { pattern: /\bLIMIT\s+ROWS\s+EXAMINED\b/i, why: "LIMIT ROWS EXAMINED is MariaDB's" },
  {
    pattern: /\b(FOR\s+UPDATE|LOCK\s+IN\s+SHARE\s+MODE|FOR\s+SHARE)\s+WAIT\s+\d/i,
    why: "WAIT n on locking reads is MariaDB's (MySQL has NOWAIT and SKIP LOCKED only)",
  },
  {
    pattern: /\b(tx_isolation|tx_read_only|query_cache_\w+|skip_replication|big_tables)\b/i,
    why: "that system variable was removed in MySQL 8.0 or never existed there",
  },
  { pattern: /\bNO_AUTO_CREATE_USER\b|\bGRANT\b.*\bIDENTIFIED\s+BY\b/is, why: "removed in MySQL 8.0 (the sql_mode, and GRANT creating users)" },
  { pattern: /\bGROUP\s+BY\b[^;]*?\b(ASC|DESC)\b(?![^;]*\bORDER\s+BY\b)/i, why: "GROUP BY … ASC/DESC was removed in MySQL 8.0" },
  { pattern: /\bSQL_CALC_FOUND_ROWS\b|\bFOUND_ROWS\s*\(/i, why: "deprecated in MySQL 8.0.17, to be removed" },
  { pattern: /\b(PASSWORD|ENCRYPT|DES_ENCRYPT|DES_DECRYPT|ENCODE|DECODE)\s*\(/i, why: "that function was removed in MySQL 8.0" },
];

/**
 * Character sets and collations a statement may name: ones MySQL 8.0 and 8.4 have and MariaDB
 * 10.6+ has too (in both servers' SHOW COLLATION). MariaDB's `*_nopad_*` and `uca1400_*` ones
 * and MySQL's `*_0900_*` ones are each on one side only.
 */
export const sharedCharsetsAndCollations = new Set([
  "utf8mb4",
  "ascii",
  "binary",
  "utf8mb4_unicode_ci",
  "utf8mb4_general_ci",
  "utf8mb4_bin",
  "ascii_bin",
  "ascii_general_ci",
]);

/**
 * Statements MySQL 8 documents which node-sql-parser's grammar (5.4) does not know, with the
 * manual page that has them. Matched exactly; anything else must parse.
 */
export const grammarGaps: ReadonlyMap<string, string> = new Map([
  ["SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED", "MySQL 8.4 manual 15.3.7, SET TRANSACTION Statement"],
]);

/** A statement's text with its string literals emptied, so values never read as SQL. */
function withoutStringLiterals(sql: string): string {
  return sql.replace(/'(?:[^'\\]|\\.|'')*'/gs, "''").replace(/"(?:[^"\\]|\\.|"")*"/gs, '""');
}

/**
 * SQL in statements: split at `;` outside quotes, `--`, `#` and block comments dropped,
 * whitespace folded. Quote-aware, so values holding `--` or `;` stay whole.
 */
export function sqlStatements(sql: string): string[] {
  const statements: string[] = [];
  let current = "";
  for (let index = 0; index < sql.length; index++) {
    const character = sql.charAt(index);
    if (character === "'" || character === '"' || character === "`") {
      let end = index + 1;
      while (end < sql.length && sql.charAt(end) !== character) end += sql.charAt(end) === "\\" && character !== "`" ? 2 : 1;
      current += sql.slice(index, end + 1);
      index = end;
    } else if ((character === "-" && sql.startsWith("- ", index + 1)) || (character === "-" && sql.startsWith("-\n", index + 1)) || character === "#") {
      const end = sql.indexOf("\n", index);
      index = end === -1 ? sql.length : end;
      current += " ";
    } else if (character === "/" && sql.charAt(index + 1) === "*") {
      const end = sql.indexOf("*/", index + 2);
      index = end === -1 ? sql.length : end + 1;
      current += " ";
    } else if (character === ";") {
      statements.push(current);
      current = "";
    } else {
      current += character;
    }
  }
  statements.push(current);
  return statements.map((statement) => statement.replace(/\s+/g, " ").trim()).filter((statement) => statement.length > 0);
}

/** Why one statement (as sqlStatements gives it) is not valid on MySQL 8, or undefined. */
function statementProblem(statement: string): string | undefined {
  const bare = withoutStringLiterals(statement);
  for (const construct of mariadbOnlyConstructs) {
    if (construct.pattern.test(bare)) return `${construct.why} (${construct.pattern})`;
  }
  for (const match of bare.matchAll(/\b(?:COLLATE|CHARACTER\s+SET|CHARSET)\s*=?\s*`?(\w+)`?/gi)) {
    const name = (match[1] ?? "").toLowerCase();
    if (!sharedCharsetsAndCollations.has(name)) return `character set or collation ${name} is not one MySQL 8 and MariaDB share`;
  }
  if (grammarGaps.has(statement)) return undefined;
  try {
    parser.astify(statement, { database: "mysql" });
    return undefined;
  } catch (error) {
    return `does not parse as MySQL: ${(error as Error).message.slice(0, 300)}`;
  }
}

/** Why SQL (one statement or several, as sent) is not valid on MySQL 8, or undefined when it is. */
export function mysql8Problem(sql: string): string | undefined {
  // Executable comments run SQL the checks below would drop with the comment.
  if (/\/\*M?!/.test(withoutStringLiterals(sql))) return "executable comment (/*! … */, /*M! … */): its SQL escapes these checks";
  const statements = sqlStatements(sql);
  if (statements.length === 0) return "no statement in it";
  for (const statement of statements) {
    const problem = statementProblem(statement);
    if (problem !== undefined) return statements.length === 1 ? problem : `${statement.slice(0, 120)}: ${problem}`;
  }
  return undefined;
}

/** Runs a statement on the test server as root (the general log is server-wide). */
async function onServer<Row>(sql: string): Promise<Row[]> {
  const connection = await openMigrationConnection(parseDatabaseUrl(baseDatabaseUrl));
  try {
    return await connection.query<Row[]>(sql);
  } finally {
    await connection.end();
  }
}

/**
 * The server's general query log, on for the duration of `work`: every statement the server
 * received, as it received it, from every connection that touched `database` (by name: its
 * pool connections name it when they connect, the migrator when it creates and uses it).
 * Prepared statements are taken in their `?` form; executions repeat them with values.
 */
export async function capturedStatements(database: string, work: () => Promise<void>): Promise<string[]> {
  const [before] = await onServer<{ general_log: number | string; log_output: string }>(
    "SELECT @@GLOBAL.general_log AS general_log, @@GLOBAL.log_output AS log_output",
  );
  const since = (await onServer<{ now: string }>("SELECT DATE_FORMAT(NOW(6), '%Y-%m-%d %H:%i:%s.%f') AS now"))[0]?.now ?? "";
  await onServer("SET GLOBAL log_output = 'TABLE'");
  await onServer("SET GLOBAL general_log = 'ON'");
  try {
    await work();
  } finally {
    await onServer(`SET GLOBAL general_log = ${Number(before?.general_log) === 1 ? "'ON'" : "'OFF'"}`);
    await onServer(`SET GLOBAL log_output = '${before?.log_output ?? "FILE"}'`);
  }
  const rows = await onServer<{ thread_id: number | bigint; command_type: string; argument: Buffer | string }>(
    `SELECT thread_id, command_type, argument FROM mysql.general_log WHERE event_time >= '${since}' ORDER BY event_time`,
  );
  const text = (argument: Buffer | string) => (typeof argument === "string" ? argument : argument.toString("utf8"));
  const threads = new Set(rows.filter((row) => text(row.argument).includes(database)).map((row) => String(row.thread_id)));
  return rows
    .filter((row) => threads.has(String(row.thread_id)) && (row.command_type === "Query" || row.command_type === "Prepare"))
    .map((row) => text(row.argument));
}

/** Comments out of TypeScript source, so SQL quoted in prose is not taken for SQL sent. */
function withoutComments(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
}

/** One piece of SQL the source writes: its text, and the pattern a statement it sent matches. */
export interface SqlLiteral {
  readonly file: string;
  readonly text: string;
  readonly pattern: RegExp;
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * The SQL text the source writes out: every string or template literal in `files` that starts
 * like a statement. Interpolations (`${table}`, `${placeholders(n)}`) match anything; values
 * are compared as `?` (withPlaceholders). A short literal (`SELECT 1`, `USE ${db}`) must be a
 * whole statement sent, a longer one a part of one (the store builds statements from pieces).
 */
export async function sqlLiteralsIn(files: readonly string[]): Promise<SqlLiteral[]> {
  const found: SqlLiteral[] = [];
  for (const file of files) {
    const source = withoutComments(await readFile(file, "utf8"));
    for (const match of source.matchAll(/(["`])((?:SELECT|INSERT|UPDATE|DELETE|CREATE|ALTER|DROP|SET|START|USE) (?:[^"`$\\]|\\.|\$(?!\{)|\$\{[^}]*\})*)\1/g)) {
      const text = (match[2] ?? "").replace(/\s+/g, " ").trim();
      const pieces = text.split(/\$\{[^}]*\}/).map((piece) => escapeRegExp(withPlaceholders(piece)));
      const body = pieces.join(".*?");
      const whole = text.replace(/\$\{[^}]*\}/g, "").length < 24;
      found.push({ file, text, pattern: new RegExp(whole ? `^${body}$` : body, "s") });
    }
  }
  return found;
}

/** Whether a statement the server logged is one this literal wrote (sqlLiteralsIn). */
export function sentBy(literal: SqlLiteral, logged: readonly string[]): boolean {
  return logged.some(
    (sql) => sqlStatements(sql).some((statement) => literal.pattern.test(withPlaceholders(statement))) || literal.pattern.test(withPlaceholders(sql)),
  );
}

/**
 * A statement with its values turned back into `?`: the driver sends text-protocol statements
 * with the values written in, prepared ones with placeholders; the source has placeholders.
 */
export function withPlaceholders(sql: string): string {
  return sql
    .replace(/\s+/g, " ")
    .trim()
    .replace(/;$/, "")
    .replace(/'(?:[^'\\]|\\.|'')*'/gs, "?")
    .replace(/\bX'[0-9a-f]*'/gi, "?")
    .replace(/(?<![\w.])-?\d+(?:\.\d+)?(?:e[+-]?\d+)?(?![\w.])/gi, "?")
    .replace(/\bNULL\b/gi, "?");
}
