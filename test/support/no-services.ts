/**
 * Setup of the "unit" project: unit tests run where no NATS, MariaDB or Redis answers
 * (`npm run test:unit`). So that one that reaches for a service fails here, wherever it runs, a
 * connection to a service's port throws instead of connecting.
 */
import net from "node:net";

const servicePorts = new Set([4222, 3306, 6379]);
const connect = net.Socket.prototype.connect;

net.Socket.prototype.connect = function guardedConnect(this: net.Socket, ...args: unknown[]) {
  // net.connect hands over its arguments already normalized, as one array [options, callback].
  const given = Array.isArray(args[0]) ? (args[0] as unknown[])[0] : args[0];
  const port = typeof given === "object" && given !== null ? Number((given as { port?: unknown }).port) : Number(given);
  if (servicePorts.has(port)) throw new Error(`a unit test connected to port ${port} (NATS, MariaDB or Redis): move it to test/integration`);
  return (connect as (...parameters: unknown[]) => net.Socket).apply(this, args);
} as typeof net.Socket.prototype.connect;
