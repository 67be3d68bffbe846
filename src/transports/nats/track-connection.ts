import type { NatsConnection } from "@nats-io/transport-node";

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
