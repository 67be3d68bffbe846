import { readFileSync } from "node:fs";
import type { ConnectionConfig } from "mariadb";
import { ModelbusError } from "../core/modelbus-error.ts";

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
  /**
   * TLS, from Prisma's MySQL URL parameters: `sslaccept=strict` (verify the server's certificate)
   * or `accept_invalid_certs` (encrypt, verify nothing), `sslcert=<path>` (the CA certificate to
   * verify with; implies strict). Undefined: no TLS.
   */
  readonly tls: { readonly verify: boolean; readonly caPath: string | undefined } | undefined;
  /**
   * `allowPublicKeyRetrieval=true`: let a password login under MySQL 8's caching_sha2_password
   * fetch the server's RSA key over a connection without TLS (as MySQL's own connectors name it).
   */
  readonly allowPublicKeyRetrieval: boolean;
}

const supportedProtocols = new Set(["mysql:", "mariadb:"]);
const supportedParameters = new Set(["connection_limit", "sslaccept", "sslcert", "allowPublicKeyRetrieval"]);

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

function readTls(url: string, accept: string | null, caPath: string | null): DatabaseUrlParts["tls"] {
  if (accept === null && caPath === null) return undefined;
  if (accept !== null && accept !== "strict" && accept !== "accept_invalid_certs") {
    throw invalid(url, `sslaccept must be strict or accept_invalid_certs, not "${accept}"`);
  }
  if (accept === "accept_invalid_certs" && caPath !== null)
    throw invalid(url, "sslcert names a CA to verify with, which sslaccept=accept_invalid_certs turns off");
  return { verify: accept !== "accept_invalid_certs", caPath: caPath ?? undefined };
}

function readFlag(url: string, name: string, value: string | null): boolean {
  if (value === null || value === "false") return false;
  if (value === "true") return true;
  throw invalid(url, `${name} must be true or false, not "${value}"`);
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
    tls: readTls(url, parsed.searchParams.get("sslaccept"), parsed.searchParams.get("sslcert")),
    allowPublicKeyRetrieval: readFlag(url, "allowPublicKeyRetrieval", parsed.searchParams.get("allowPublicKeyRetrieval")),
  };
}

/**
 * What every connection modelbus opens takes from the URL (the store's pool, the catalog's, the
 * migrator's): server, account, database, TLS. The CA file is read here, so a missing one fails
 * before any connection is tried, naming the path.
 */
export function connectionOptions(parts: DatabaseUrlParts): ConnectionConfig {
  return {
    host: parts.host,
    port: parts.port,
    user: parts.user,
    ...(parts.password === undefined ? {} : { password: parts.password }),
    ...(parts.database === undefined ? {} : { database: parts.database }),
    ...(parts.tls === undefined ? {} : { ssl: tlsOptions(parts.tls) }),
    ...(parts.allowPublicKeyRetrieval ? { allowPublicKeyRetrieval: true } : {}),
  };
}

function tlsOptions(tls: NonNullable<DatabaseUrlParts["tls"]>): { rejectUnauthorized: boolean; ca?: string } {
  if (tls.caPath === undefined) return { rejectUnauthorized: tls.verify };
  try {
    return { rejectUnauthorized: true, ca: readFileSync(tls.caPath, "utf8") };
  } catch (error) {
    throw new ModelbusError({
      code: "E_CONFIG_INVALID",
      message: `cannot read the database CA certificate ${tls.caPath} (sslcert): ${(error as Error).message}`,
    });
  }
}
