import type { ErrorCode } from "../../core/error-codes.ts";
import { httpStatusForCode } from "./http-status-for-code.ts";

/**
 * OpenAI's error `type` vocabulary (the `Error` schema of openai/openai-openapi, and what its
 * API sends), so OpenAI clients in every language read our errors as their own.
 */
export type OpenAIErrorType = "invalid_request_error" | "authentication_error" | "permission_error" | "rate_limit_error" | "server_error";

/** The type of a status, as OpenAI's API gives it: the client's fault by kind, else the server's. */
export function openAIErrorType(status: number): OpenAIErrorType {
  if (status === 401) return "authentication_error";
  if (status === 403) return "permission_error";
  if (status === 429) return "rate_limit_error";
  return status < 500 ? "invalid_request_error" : "server_error";
}

/**
 * The one JSON error shape of every HTTP route: OpenAI's `{"error":{"message","type","param","code"}}`
 * with our catalog code as `code` and the specifics in `details`.
 */
export interface ErrorBody {
  readonly error: {
    readonly code: ErrorCode;
    readonly message: string;
    readonly type: OpenAIErrorType;
    /** The request field at fault (the first one a validation names), or null. */
    readonly param: string | null;
    readonly details: Record<string, unknown>;
  };
}

/** The field a validation error names first (details.issues, see request-invalid.ts), if any. */
function paramOf(details: Record<string, unknown>): string | null {
  const [first] = Array.isArray(details.issues) ? (details.issues as Array<{ field?: unknown }>) : [];
  return typeof first?.field === "string" ? first.field : null;
}

export function errorBody(code: ErrorCode, message: string, details: Record<string, unknown> = {}): ErrorBody {
  return { error: { code, message, type: openAIErrorType(httpStatusForCode(code)), param: paramOf(details), details } };
}
