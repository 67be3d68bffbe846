import { parseArgs } from "node:util";
import { sendRequest } from "./cli/send-request.ts";
import { parseAge, parseDuration } from "./config/parse-duration.ts";
import { loadConfig } from "./config/load-config.ts";
import { startService } from "./main.ts";
import { applyMigrations } from "./store/migrations/apply-migrations.ts";
import { migrationStatus } from "./store/migrations/migration-status.ts";
import { createInferenceStore } from "./store/open-store.ts";

const help = {
  main: `modelbus — agent requests over NATS JetStream to OpenAI-compatible models

Usage: modelbus <command> [options]

Commands:
  serve     run the service (JetStream consumer, HTTP API, metrics)
  send      publish one request and print the response
  migrate   apply database migrations (or --status to show them)
  purge     delete stored data older than an age (once; store.retention does it continuously)

Run "modelbus <command> --help" for a command's options.
Environment: MODELBUS_CONFIG (config file, default config/default.json), NATS_URL,
DATABASE_URL, MODELBUS_HTTP_HOST, MODELBUS_HTTP_PORT.`,
  serve: `Usage: modelbus serve [--config PATH]

Runs modelbus until SIGTERM/SIGINT (SIGHUP re-reads the config): ensures the JetStream stream and durable consumer,
answers requests on <prefix>.request.>, serves the HTTP API (OpenAI-compatible
chat completions, agents, conversations, sessions) and /metrics, /healthz, /readyz.
With the default config every endpoint is the built-in mock provider (no API key needed).

Options:
  --config PATH   config file (overrides MODELBUS_CONFIG)
  -h, --help      show this help`,
  migrate: `Usage: modelbus migrate [--status] [--config PATH]

Applies pending migrations from prisma/migrations to DATABASE_URL, creating the database
if needed, with the same _prisma_migrations bookkeeping (and lock) as "prisma migrate
deploy". Applying twice is a no-op; an edited, already-applied migration is refused.

Options:
  --status        print which migrations are applied, pending, failed or edited; change nothing
  --config PATH   config file (overrides MODELBUS_CONFIG)
  -h, --help      show this help`,
  purge: `Usage: modelbus purge --older-than AGE [--dry-run] [--config PATH]

Deletes from DATABASE_URL what store.retention would: inferences made before now - AGE,
sessions (with their messages) idle since then, and conversations whose last session went.
Agents are never deleted. In small batches (store.retention_batch_size, with
store.retention_pause between them); prints the rows deleted per table as JSON.

Options:
  --older-than AGE  e.g. 30d, 720h
  --dry-run         count what would be deleted; delete nothing
  --config PATH     config file (overrides MODELBUS_CONFIG)
  -h, --help        show this help`,
  send: `Usage: modelbus send --model NAME [options] "text"

Publishes an AgentRequest (one user message) and prints the AgentResponse JSON.
Exit code 0 for complete/tool_call/length_truncated, 2 for an error response.

Options:
  --model NAME      endpoint, alias or capability (required)
  --system TEXT     a system message to send first
  --envelope        wrap the request in the semstreams envelope
  --timeout DUR     request timeout, e.g. 30s (sent in the request)
  --wait DUR        how long to wait for the response (default 120s)
  --config PATH     config file (overrides MODELBUS_CONFIG)
  -h, --help        show this help`,
};

async function serve(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { config: { type: "string" }, help: { type: "boolean", short: "h" } } });
  if (values.help) return print(help.serve);
  const loaded = loadConfig(values.config ? { ...process.env, MODELBUS_CONFIG: values.config } : process.env);
  const service = await startService(loaded);
  return new Promise<number>((resolve) => {
    let signals = 0;
    const onSignal = (signal: NodeJS.Signals) => {
      signals += 1;
      if (signals > 1) process.exit(130); // a second signal means "now"
      process.stderr.write(`received ${signal}; shutting down\n`);
      // stop() never rejects; a failed step was logged and makes the exit code 1.
      void service.stop().then((result) => resolve(result.ok ? 0 : 1));
    };
    process.on("SIGTERM", onSignal);
    process.on("SIGINT", onSignal);
    // SIGHUP re-reads the config; the outcome is logged (and in /readyz, and a metric).
    process.on("SIGHUP", () => void service.reload("SIGHUP"));
  });
}

async function send(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      model: { type: "string" },
      system: { type: "string" },
      envelope: { type: "boolean", default: false },
      timeout: { type: "string" },
      wait: { type: "string", default: "120s" },
      config: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) return print(help.send);
  const text = positionals.join(" ");
  if (!values.model || text === "") {
    process.stderr.write(`send needs --model and a message text\n\n${help.send}\n`);
    return 64;
  }
  const waitMs = parseDuration(values.wait);
  if (waitMs === undefined) throw new Error(`--wait: invalid duration "${values.wait}"`);
  const loaded = loadConfig(values.config ? { ...process.env, MODELBUS_CONFIG: values.config } : process.env);
  const response = await sendRequest(loaded, {
    model: values.model,
    text,
    system: values.system,
    envelope: values.envelope,
    waitMs,
    timeout: values.timeout,
  });
  process.stdout.write(`${JSON.stringify(response, null, 2)}\n`);
  return response.status === "error" ? 2 : 0;
}

async function migrate(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { status: { type: "boolean", default: false }, config: { type: "string" }, help: { type: "boolean", short: "h" } },
  });
  if (values.help) return print(help.migrate);
  const { environment } = loadConfig(values.config ? { ...process.env, MODELBUS_CONFIG: values.config } : process.env);
  if (values.status) {
    const status = await migrationStatus({ databaseUrl: environment.databaseUrl });
    process.stdout.write(`${JSON.stringify(status, null, 2)}\n`);
    return status.upToDate ? 0 : 3;
  }
  const result = await applyMigrations({ databaseUrl: environment.databaseUrl });
  process.stdout.write(
    `${result.engine.name} ${result.engine.version}: applied: ${result.applied.join(", ") || "none"}; already applied: ${result.alreadyApplied.length}\n`,
  );
  return 0;
}

async function purge(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      "older-than": { type: "string" },
      "dry-run": { type: "boolean", default: false },
      config: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) return print(help.purge);
  const age = values["older-than"] === undefined ? undefined : parseAge(values["older-than"]);
  if (age === undefined || age <= 0) {
    process.stderr.write(`purge needs --older-than AGE (e.g. 30d, 720h)\n\n${help.purge}\n`);
    return 64;
  }
  const { config, environment } = loadConfig(values.config ? { ...process.env, MODELBUS_CONFIG: values.config } : process.env);
  const store = createInferenceStore(environment.databaseUrl, 2, { maxBatch: 1, maxConcurrentBatches: 1, agentCacheTtlMs: 0 });
  try {
    const counts = await store.purge({
      cutoff: new Date(Date.now() - age),
      batchSize: config.store.retention_batch_size,
      pauseMs: config.store.retention_pause,
      dryRun: values["dry-run"],
    });
    process.stdout.write(`${JSON.stringify({ dry_run: values["dry-run"], older_than: values["older-than"], ...counts })}\n`);
    return 0;
  } finally {
    await store.close();
  }
}

function print(text: string): number {
  process.stdout.write(`${text}\n`);
  return 0;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case "serve":
      return serve(rest);
    case "send":
      return send(rest);
    case "migrate":
      return migrate(rest);
    case "purge":
      return purge(rest);
    case undefined:
    case "-h":
    case "--help":
    case "help":
      return print(help.main);
    default:
      process.stderr.write(`unknown command "${command}"\n\n${help.main}\n`);
      return 64;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    const code = (error as { code?: unknown }).code;
    process.stderr.write(`${typeof code === "string" && code.startsWith("E_") ? `${code}: ` : ""}${(error as Error).message}\n`);
    process.exit(1);
  },
);
