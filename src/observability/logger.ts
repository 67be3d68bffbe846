import { pino, type Logger, type LevelWithSilent } from "pino";

/** Paths never written to logs, wherever a key might travel. */
export const redactedPaths = [
  "apiKey",
  "api_key",
  "*.apiKey",
  "*.api_key",
  "authorization",
  "*.authorization",
  "headers.authorization",
  "*.headers.authorization",
  "token",
  "*.token",
  "password",
  "*.password",
];

/** How deep `cause` chains are followed in a logged error. */
const maxCauseDepth = 5;

interface SerializedError {
  type: string;
  message: string;
  stack?: string;
  code?: unknown;
  status?: unknown;
  sqlState?: unknown;
  errno?: unknown;
  cause?: SerializedError | string;
}

/**
 * pino's `err` serializer, as `pino.stdSerializers.errWithCause` shapes it (type, message,
 * stack, cause), with what must not reach a log left out. A MySQL driver error's message and
 * stack go on with the statement and its bound values (request text, keys): only the server's
 * own message (`sqlMessage`) is kept, and the stack keeps its frames; of Prisma's, the last line.
 * Other own properties
 * (a ModelbusError's partial answer, a response body) are not copied.
 */
export function serializeError(value: unknown, depth = 0): SerializedError | string {
  if (!(value instanceof Error)) return typeof value === "string" ? value : String(value);
  const error = value as Error & { code?: unknown; status?: unknown; sqlMessage?: unknown; sqlState?: unknown; errno?: unknown };
  const type = error.constructor?.name || error.name || "Error";
  // Prisma's message quotes the call with its arguments above its last line, which says what failed.
  const safeMessage =
    typeof error.sqlMessage === "string"
      ? error.sqlMessage
      : type.startsWith("PrismaClient")
        ? (error.message.split("\n").filter(Boolean).at(-1) ?? type)
        : undefined;
  const message = safeMessage ?? error.message;
  const frames = (error.stack ?? "").split("\n").filter((line) => line.startsWith("    at "));
  const serialized: SerializedError = {
    type,
    message,
    stack: safeMessage === undefined && error.stack ? error.stack : [`${type}: ${message}`, ...frames].join("\n"),
  };
  if (error.code !== undefined) serialized.code = error.code;
  if (typeof error.status === "number") serialized.status = error.status;
  if (error.sqlState !== undefined) serialized.sqlState = error.sqlState;
  if (error.errno !== undefined) serialized.errno = error.errno;
  if (error.cause !== undefined && depth < maxCauseDepth) serialized.cause = serializeError(error.cause, depth + 1);
  return serialized;
}

export function createLogger(options: { level: LevelWithSilent; destination?: NodeJS.WritableStream }): Logger {
  return pino(
    {
      name: "modelbus",
      level: options.level,
      redact: { paths: redactedPaths, censor: "[redacted]" },
      base: { service: "modelbus" },
      serializers: { err: (value: unknown) => serializeError(value) },
    },
    options.destination as pino.DestinationStream | undefined,
  );
}

export type { Logger };
