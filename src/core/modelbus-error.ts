import type { ResponseMessage, TokenUsage } from "./agent-response.ts";
import type { ErrorCode } from "./error-codes.ts";

/** What a provider had produced before it failed (a stream cut mid-way). */
export interface PartialOutput {
  readonly message: ResponseMessage;
  readonly usage: TokenUsage;
}

/** Why a failed provider attempt may be tried again; decides which retry curve applies. */
export type RetryReason = "transient" | "rate_limit";

export interface ModelbusErrorOptions {
  readonly code: ErrorCode;
  readonly message: string;
  /** Set when the failure is worth another attempt, and on which curve. */
  readonly retryReason?: RetryReason | undefined;
  /** Provider-requested wait before the next attempt (Retry-After), in milliseconds. */
  readonly retryAfterMs?: number | undefined;
  /** HTTP status from the provider, when there was one. */
  readonly status?: number | undefined;
  readonly partial?: PartialOutput | undefined;
  readonly cause?: unknown;
}

/**
 * The one error class of modelbus. Classified once, where the failure enters (provider
 * response, NATS payload, config file), so every later decision (retry, ack/nak/term,
 * HTTP status, metric label) is a lookup on `code` and `retryReason`.
 */
export class ModelbusError extends Error {
  override readonly name = "ModelbusError";
  readonly code: ErrorCode;
  readonly retryReason: RetryReason | undefined;
  readonly retryAfterMs: number | undefined;
  readonly status: number | undefined;
  readonly partial: PartialOutput | undefined;

  constructor(options: ModelbusErrorOptions) {
    super(options.message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = options.code;
    this.retryReason = options.retryReason;
    this.retryAfterMs = options.retryAfterMs;
    this.status = options.status;
    this.partial = options.partial;
  }

  get retryable(): boolean {
    return this.retryReason !== undefined;
  }
}

export function isModelbusError(value: unknown): value is ModelbusError {
  return value instanceof ModelbusError;
}

/** Wraps anything thrown into a ModelbusError, keeping ModelbusErrors as they are. */
export function toModelbusError(value: unknown, fallbackCode: ErrorCode = "E_INTERNAL"): ModelbusError {
  if (value instanceof ModelbusError) return value;
  const message = value instanceof Error ? value.message : String(value);
  return new ModelbusError({ code: fallbackCode, message, cause: value });
}
