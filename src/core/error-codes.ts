/**
 * The catalog of stable error codes. Every code here appears in the error table of docs/operations.md
 * (a test keeps the two in sync). Codes never change meaning once published; add new ones.
 */
export const errorCodes = {
  E_CONFIG_INVALID: "The config file is missing, not JSON, or fails validation; every problem is listed with its path.",
  E_PAYLOAD_INVALID: "A NATS payload is not JSON, or not an AgentRequest / semstreams envelope; the delivery is terminated.",
  E_REQUEST_INVALID:
    "The request decoded but breaks a rule (missing request_id, empty messages, a field of the wrong type; on HTTP also OpenAI's message rules), or an HTTP request is malformed (bad URL encoding, request line, Content-Length).",
  E_MODEL_UNKNOWN: "No capability, endpoint, alias or default matches the requested model.",
  E_CIRCUIT_OPEN: "Every endpoint that could serve the model is open in the circuit breaker; the response says when the next probe goes.",
  E_BUDGET_EXCEEDED:
    "The request would pass a budget (config `budgets`, or its agent's own): named in the message with when it refills; no model call was made.",
  E_THROTTLE_QUEUE_FULL: "The endpoint's throttle queue (max_queue) is full; the request was not sent.",
  E_THROTTLE_UNAVAILABLE:
    "The endpoint's limits are shared through Redis and Redis is unreachable or not answering; the request was not sent and is handed back for later.",
  E_PROVIDER_RATE_LIMITED: "The provider kept answering 429 until max_rate_limit_retries was used up.",
  E_PROVIDER_UNAVAILABLE: "The provider kept failing with 500/502/503/504 until retry.max_attempts was used up.",
  E_PROVIDER_NETWORK: "The provider could not be reached (connection refused, reset, DNS) after retries.",
  E_PROVIDER_TIMEOUT: "The request's timeout (request → endpoint → capability → service) expired before an answer.",
  E_PROVIDER_AUTH: "The provider refused the credentials (401/403); not retried.",
  E_PROVIDER_REJECTED: "The provider rejected the request (400/404/422 or another non-retryable status); not retried.",
  E_PROVIDER_STREAM_INTERRUPTED:
    "A streamed answer stopped after text had been published (no finish reason, or the connection dropped); not retried, partial content and usage are in the response.",
  E_PROVIDER_RESPONSE_INVALID: "The provider answered 200 with a body that is not a chat completion (no choices, no message).",
  E_STORE_UNAVAILABLE: "MySQL could not be reached or refused a write; the delivery is nak'd with delay and succeeds once the store is back.",
  E_MIGRATION_CHECKSUM: "An already-applied migration file was changed; modelbus refuses to start until it is restored or resolved.",
  E_MIGRATION_FAILED: "A migration failed (or an earlier run left one failed); the database needs an operator's attention.",
  E_MIGRATION_LOCK_TIMEOUT: "Another migrator held the migration lock (prisma_migrate) too long.",
  E_MIGRATION_INVALID: "The migrations folder or database is not in a state to migrate (missing migration.sql, other provider, tables without history).",
  E_MIGRATION_ENGINE_UNSUPPORTED: "The database server is neither MariaDB 10.6+ nor MySQL 8.0+; modelbus does not migrate it or start on it.",
  E_CANCELLED: "The request was cancelled because the service is shutting down; the delivery is nak'd for redelivery.",
  E_INTERNAL: "An unexpected bug; the delivery is nak'd and the error is logged with its stack.",
  E_UNAUTHORIZED: "HTTP: the Authorization header is missing or does not carry the configured bearer key.",
  E_NOT_FOUND: "HTTP: no such route, or the agent, conversation or session named in the path does not exist (or was deleted).",
  E_CONFLICT: "HTTP: the write collides with existing state (an agent key already taken, a session whose agent was deleted).",
  E_IDEMPOTENCY_KEY_REUSED: "HTTP: an Idempotency-Key was sent again with a different body within http.idempotency_ttl.",
  E_BODY_TOO_LARGE: "HTTP: the request body is larger than http.body_limit_bytes.",
  E_MEDIA_TYPE_UNSUPPORTED: "HTTP: the request body is not application/json.",
  E_REQUEST_IN_FLIGHT: "HTTP: the same request (Idempotency-Key or X-Request-Id) is being answered by another call; retry after Retry-After.",
  E_URL_TOO_LONG: "HTTP: a path parameter is longer than the router takes (100 characters).",
  E_HEADERS_TOO_LARGE: "HTTP: the request's headers are larger than the server takes.",
  E_REQUEST_TIMEOUT: "HTTP: the client did not send its whole request in time.",
} as const;

export type ErrorCode = keyof typeof errorCodes;

export const errorCodeList = Object.keys(errorCodes) as ErrorCode[];
