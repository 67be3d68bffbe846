import { ModelbusError } from "../core/modelbus-error.ts";

/** Every failure of the store becomes one code: the door hands the delivery back for later. */
export function storeUnavailable(error: unknown, operation: string): ModelbusError {
  if (error instanceof ModelbusError) return error;
  const message = error instanceof Error ? error.message.split("\n").filter(Boolean).at(-1) ?? error.message : String(error);
  return new ModelbusError({ code: "E_STORE_UNAVAILABLE", message: `store ${operation} failed: ${message}`, cause: error });
}
