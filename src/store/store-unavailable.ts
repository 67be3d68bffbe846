/**
 * The store's outage: recognising a failure that says the database is unreachable (the whole
 * batch fails at once) and reporting one as E_STORE_UNAVAILABLE.
 */
import { ModelbusError } from "../core/modelbus-error.ts";

/**
 * Every failure of the store becomes one code: the door hands the delivery back for later.
 * The message says what went wrong and never carries the statement: the driver's message
 * goes on with the SQL and its bound values (request text), so only the server's own
 * message (`sqlMessage`) is kept; other errors keep their last line (Prisma's says what failed).
 */
export function storeUnavailable(error: unknown, operation: string): ModelbusError {
  if (error instanceof ModelbusError) return error;
  const sqlMessage = (error as { sqlMessage?: unknown } | null)?.sqlMessage;
  const message =
    typeof sqlMessage === "string" ? sqlMessage : error instanceof Error ? (error.message.split("\n").filter(Boolean).at(-1) ?? error.message) : String(error);
  return new ModelbusError({ code: "E_STORE_UNAVAILABLE", message: `store ${operation} failed: ${message}`, cause: error });
}

/**
 * The mariadb driver's errnos for "no usable connection" (closed, destroyed, timed out,
 * pool exhausted or closing): they say the database could not be reached, nothing about
 * the statement that was sent.
 */
const connectionErrnos = new Set([45001, 45004, 45009, 45012, 45013, 45019, 45026, 45027, 45028, 45035, 45037, 45039, 45042, 45061]);
const socketCodes = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "EHOSTUNREACH", "ENETUNREACH", "ENOTFOUND", "EAI_AGAIN"]);
const connectionMessage =
  /pool timeout|failed to retrieve a connection|ECONNREFUSED|ECONNRESET|socket has unexpectedly been closed|connection (?:closed|timeout)/i;

interface ErrorFields {
  errno?: unknown;
  code?: unknown;
  originalCode?: unknown;
  message?: unknown;
  cause?: unknown;
  meta?: { driverAdapterError?: unknown };
}

/**
 * True when an error from Prisma (or the driver under it) means the database could not be
 * reached rather than that the data was refused. Follows Prisma's wrapping: the error's
 * `meta.driverAdapterError`, whose `cause` carries the driver's errno as `originalCode`.
 */
export function isConnectionFailure(error: unknown): boolean {
  const pending = [error];
  for (let depth = 0; depth < 8 && pending.length > 0; depth += 1) {
    const current = pending.shift();
    if (current === null || typeof current !== "object") continue;
    const fields = current as ErrorFields;
    const errno = Number(fields.errno ?? fields.originalCode);
    if (connectionErrnos.has(errno)) return true;
    if (typeof fields.code === "string" && socketCodes.has(fields.code)) return true;
    if (typeof fields.message === "string" && connectionMessage.test(fields.message)) return true;
    pending.push(fields.cause, fields.meta?.driverAdapterError);
  }
  return false;
}
