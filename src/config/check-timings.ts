import type { ModelbusConfig } from "./config-schema.ts";
import type { ConfigProblem } from "./check-registry-references.ts";

/**
 * Durations that parse but cannot work: a zero ack wait or timeout, heartbeats that do not
 * come often enough to keep a delivery alive (semstreams requires at most half the ack wait).
 */
export function checkTimings(config: ModelbusConfig): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const { nats, service } = config;
  if (nats.ack_wait <= 0) problems.push({ path: "nats.ack_wait", message: "must be longer than 0" });
  if (nats.heartbeat_interval <= 0) problems.push({ path: "nats.heartbeat_interval", message: "must be longer than 0" });
  else if (nats.ack_wait > 0 && nats.heartbeat_interval > nats.ack_wait / 2) {
    problems.push({ path: "nats.heartbeat_interval", message: `must be at most half of nats.ack_wait (${nats.ack_wait / 2}ms)` });
  }
  if (service.timeout <= 0) problems.push({ path: "service.timeout", message: "must be longer than 0" });
  if (service.first_token_timeout <= 0) problems.push({ path: "service.first_token_timeout", message: "must be longer than 0" });
  return problems;
}
