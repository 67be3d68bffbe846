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

export function createLogger(options: { level: LevelWithSilent; destination?: NodeJS.WritableStream }): Logger {
  return pino(
    {
      name: "modelbus",
      level: options.level,
      redact: { paths: redactedPaths, censor: "[redacted]" },
      base: { service: "modelbus" },
    },
    options.destination as pino.DestinationStream | undefined,
  );
}

export type { Logger };
