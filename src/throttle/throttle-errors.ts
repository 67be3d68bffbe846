import { ModelbusError } from "../core/modelbus-error.ts";

/** The code of a throttle that cannot reach its shared (Redis) state. */
export const THROTTLE_UNAVAILABLE = "E_THROTTLE_UNAVAILABLE";

/** The fleet-wide limits cannot be checked (Redis down, slow or not yet connected); the request was not sent. */
export function throttleUnavailableError(message: string, cause?: unknown): ModelbusError {
  return new ModelbusError({ code: THROTTLE_UNAVAILABLE, message, cause });
}

/** The ways an endpoint's throttle refuses a job, one message each. */
export const throttleErrors = {
  queueFull(endpointName: string, maxQueue: number, cause?: unknown): ModelbusError {
    return new ModelbusError({
      code: "E_THROTTLE_QUEUE_FULL",
      message: `throttle queue for endpoint "${endpointName}" is full (max_queue=${maxQueue})`,
      cause,
    });
  },

  unavailable(endpointName: string, cause?: unknown): ModelbusError {
    const reason = cause instanceof Error ? `: ${cause.message}` : "";
    return throttleUnavailableError(`throttle for endpoint "${endpointName}" cannot reach Redis${reason}`, cause);
  },

  stopped(endpointName: string, cause?: unknown): ModelbusError {
    return new ModelbusError({ code: "E_CANCELLED", message: `throttle for endpoint "${endpointName}" is stopped`, cause });
  },

  /** The abort signal's reason when it is a ModelbusError (e.g. a timeout), E_CANCELLED otherwise. */
  aborted(endpointName: string, reason: unknown): ModelbusError {
    if (reason instanceof ModelbusError) return reason;
    return new ModelbusError({
      code: "E_CANCELLED",
      message: `request cancelled while waiting in the throttle queue of endpoint "${endpointName}"`,
      cause: reason,
    });
  },

  invalidTokens(tokens: number): ModelbusError {
    return new ModelbusError({ code: "E_INTERNAL", message: `throttle tokens must be a number ≥ 0, got ${tokens}` });
  },
};
