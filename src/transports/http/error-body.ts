import type { ErrorCode } from "../../core/error-codes.ts";

/** The one JSON error shape of every HTTP route: `{"error":{"code","message","details"}}`. */
export interface ErrorBody {
  readonly error: { readonly code: ErrorCode; readonly message: string; readonly details: Record<string, unknown> };
}

export function errorBody(code: ErrorCode, message: string, details: Record<string, unknown> = {}): ErrorBody {
  return { error: { code, message, details } };
}
