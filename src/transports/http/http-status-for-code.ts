import type { ErrorCode } from "../../core/error-codes.ts";

/**
 * The one table from error code to HTTP status. A Record over every code, so a new code
 * does not compile until it has a status here.
 */
const statusByCode: Record<ErrorCode, number> = {
  E_REQUEST_INVALID: 400,
  E_PAYLOAD_INVALID: 400,
  E_UNAUTHORIZED: 401,
  E_NOT_FOUND: 404,
  E_MODEL_UNKNOWN: 404,
  E_CONFLICT: 409,
  E_BODY_TOO_LARGE: 413,
  E_MEDIA_TYPE_UNSUPPORTED: 415,
  E_IDEMPOTENCY_KEY_REUSED: 422,
  E_PROVIDER_RATE_LIMITED: 429,
  E_CONFIG_INVALID: 500,
  E_INTERNAL: 500,
  E_PROVIDER_UNAVAILABLE: 502,
  E_PROVIDER_NETWORK: 502,
  E_PROVIDER_AUTH: 502,
  E_PROVIDER_REJECTED: 502,
  E_PROVIDER_RESPONSE_INVALID: 502,
  E_PROVIDER_STREAM_INTERRUPTED: 502,
  E_THROTTLE_QUEUE_FULL: 503,
  E_CIRCUIT_OPEN: 503,
  E_STORE_UNAVAILABLE: 503,
  E_MIGRATION_CHECKSUM: 503,
  E_MIGRATION_FAILED: 503,
  E_MIGRATION_LOCK_TIMEOUT: 503,
  E_MIGRATION_INVALID: 503,
  E_CANCELLED: 503,
  E_REQUEST_IN_FLIGHT: 503,
  E_PROVIDER_TIMEOUT: 504,
};

export function httpStatusForCode(code: ErrorCode): number {
  return statusByCode[code];
}
