import type { ErrorCode } from "../../core/error-codes.ts";
import { ModelbusError } from "../../core/modelbus-error.ts";

export interface HttpErrorOptions {
  readonly code: ErrorCode;
  readonly message: string;
  readonly details?: Record<string, unknown> | undefined;
  /** Seconds the client should wait before trying again (sent as Retry-After). */
  readonly retryAfterSeconds?: number | undefined;
  readonly cause?: unknown;
}

/**
 * A failure to answer over HTTP. The status comes from the code (http-status-for-code.ts),
 * never from the thrower, so one code always means one status.
 */
export class HttpError extends ModelbusError {
  readonly details: Record<string, unknown>;
  readonly retryAfterSeconds: number | undefined;

  constructor(options: HttpErrorOptions) {
    super({ code: options.code, message: options.message, cause: options.cause });
    this.details = options.details ?? {};
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

export const notFound = (what: string, id: string) =>
  new HttpError({ code: "E_NOT_FOUND", message: `${what} "${id}" not found`, details: { [what]: id } });

export const invalidField = (field: string, message: string) =>
  new HttpError({ code: "E_REQUEST_INVALID", message: `${field}: ${message}`, details: { issues: [{ field, message }] } });
