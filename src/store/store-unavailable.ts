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
    typeof sqlMessage === "string"
      ? sqlMessage
      : error instanceof Error
        ? (error.message.split("\n").filter(Boolean).at(-1) ?? error.message)
        : String(error);
  return new ModelbusError({ code: "E_STORE_UNAVAILABLE", message: `store ${operation} failed: ${message}`, cause: error });
}
