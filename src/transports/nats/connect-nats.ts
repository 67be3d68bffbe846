import { readFileSync } from "node:fs";
import { connect, type ConnectionOptions, credsAuthenticator, type NatsConnection } from "@nats-io/transport-node";
import type { NatsConfig } from "../../config/config-schema.ts";

/**
 * Connection options from the config and the environment: a token or a creds file named
 * by env vars (never stored in the config), optional TLS files, reconnect forever, no
 * async stack traces captured per request.
 */
export function natsConnectionOptions(url: string, config: NatsConfig, env: NodeJS.ProcessEnv): ConnectionOptions {
  const options: ConnectionOptions = {
    servers: url.split(","),
    name: "modelbus",
    maxReconnectAttempts: -1,
    reconnectTimeWait: 1_000,
    // Otherwise every request (each JetStream publish awaits its PubAck through one) builds a
    // RequestError and a TimeoutError up front, stack trace included, in case it fails: 7 % of
    // the main thread under load (bench/results/profile-notes.md). Errors keep their messages.
    noAsyncTraces: true,
  };
  const token = env[config.token_env];
  if (token) options.token = token;
  const credsFile = env[config.creds_file_env];
  if (credsFile) options.authenticator = credsAuthenticator(new Uint8Array(readFileSync(credsFile)));
  if (config.tls) {
    options.tls = {
      ...(config.tls.ca_file ? { caFile: config.tls.ca_file } : {}),
      ...(config.tls.cert_file ? { certFile: config.tls.cert_file } : {}),
      ...(config.tls.key_file ? { keyFile: config.tls.key_file } : {}),
    };
  }
  return options;
}

export async function connectNats(url: string, config: NatsConfig, env: NodeJS.ProcessEnv = process.env): Promise<NatsConnection> {
  return connect(natsConnectionOptions(url, config, env));
}

/**
 * Whether the NATS connection is usable right now. The client reconnects by itself, so
 * `isClosed()` stays false through an outage; the status events say when it is down.
 */
export function trackConnection(nats: NatsConnection, onChange: (connected: boolean) => void = () => undefined): () => boolean {
  let connected = true;
  void (async () => {
    for await (const status of nats.status()) {
      if (status.type === "disconnect" || status.type === "reconnecting" || status.type === "staleConnection") connected = false;
      else if (status.type === "reconnect") connected = true;
      else continue;
      onChange(connected);
    }
  })();
  return () => connected && !nats.isClosed() && !nats.isDraining();
}

export type { NatsConnection };
