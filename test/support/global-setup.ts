/**
 * Runs once before the test files. Integration tests need the real NATS JetStream,
 * MariaDB and Redis on this machine; when they are missing the run fails loudly here instead of
 * letting tests skip.
 */
import { createConnection } from "node:net";

const services = [
  { name: "NATS", host: "127.0.0.1", port: Number(new URL(process.env.NATS_URL ?? "nats://127.0.0.1:4222").port || 4222) },
  { name: "MariaDB", host: "127.0.0.1", port: Number(new URL(process.env.TEST_DATABASE_URL ?? "mysql://root@127.0.0.1:3306").port || 3306) },
  { name: "Redis", host: "127.0.0.1", port: 6379 },
];

function probe(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port });
    socket.setTimeout(2_000);
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("timeout", () => {
      socket.destroy();
      resolve(false);
    });
    socket.once("error", () => resolve(false));
  });
}

export default async function setup(): Promise<void> {
  const missing: string[] = [];
  for (const service of services) {
    if (!(await probe(service.host, service.port))) missing.push(`${service.name} at ${service.host}:${service.port}`);
  }
  if (missing.length > 0) {
    throw new Error(`integration services are not answering: ${missing.join(", ")} (see shared ENVIRONMENT.md, or run .ci/run which starts them)`);
  }
}
