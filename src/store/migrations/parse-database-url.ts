import { ModelbusError } from "../../core/modelbus-error.ts";

/** The parts of a `mysql://user:password@host:port/database` URL a MariaDB connection needs. */
export interface DatabaseUrlParts {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string | undefined;
  /** Undefined when the URL names no database (`mysql://root@127.0.0.1:3306`). */
  readonly database: string | undefined;
  /** From `?connection_limit=N`, the parameter Prisma's MySQL URLs use for the pool size. */
  readonly connectionLimit: number | undefined;
}

const supportedProtocols = new Set(["mysql:", "mariadb:"]);
const supportedParameters = new Set(["connection_limit"]);

function invalid(url: string, reason: string): ModelbusError {
  const redacted = url.replace(/\/\/([^:@/]*):[^@/]*@/, "//$1:***@");
  return new ModelbusError({ code: "E_CONFIG_INVALID", message: `invalid database URL ${redacted}: ${reason}` });
}

function readConnectionLimit(url: string, value: string | null): number | undefined {
  if (value === null) return undefined;
  const limit = Number(value);
  if (!Number.isInteger(limit) || limit < 1) throw invalid(url, `connection_limit is not a positive integer: "${value}"`);
  return limit;
}

/** Parses a database URL once, at the boundary; rejects parameters it would otherwise ignore. */
export function parseDatabaseUrl(url: string): DatabaseUrlParts {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw invalid(url, "not a URL");
  }
  if (!supportedProtocols.has(parsed.protocol)) throw invalid(url, `protocol must be mysql: or mariadb:, not ${parsed.protocol}`);
  if (parsed.hostname === "") throw invalid(url, "no host");
  const unsupported = [...parsed.searchParams.keys()].filter((key) => !supportedParameters.has(key));
  if (unsupported.length > 0) throw invalid(url, `unsupported parameters: ${unsupported.join(", ")}`);
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ""));
  if (database.includes("/")) throw invalid(url, `database name contains "/": ${database}`);
  return {
    host: parsed.hostname.replace(/^\[(.*)\]$/, "$1"),
    port: parsed.port === "" ? 3306 : Number(parsed.port),
    user: decodeURIComponent(parsed.username) || "root",
    password: parsed.password === "" ? undefined : decodeURIComponent(parsed.password),
    database: database === "" ? undefined : database,
    connectionLimit: readConnectionLimit(url, parsed.searchParams.get("connection_limit")),
  };
}
