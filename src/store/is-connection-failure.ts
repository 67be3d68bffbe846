/**
 * The mariadb driver's errnos for "no usable connection" (closed, destroyed, timed out,
 * pool exhausted or closing): they say the database could not be reached, nothing about
 * the statement that was sent.
 */
const connectionErrnos = new Set([45001, 45004, 45009, 45012, 45013, 45019, 45026, 45027, 45028, 45035, 45037, 45039, 45042, 45061]);
const socketCodes = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "EHOSTUNREACH", "ENETUNREACH", "ENOTFOUND", "EAI_AGAIN"]);
const connectionMessage = /pool timeout|failed to retrieve a connection|ECONNREFUSED|ECONNRESET|socket has unexpectedly been closed|connection (?:closed|timeout)/i;

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
