import { randomBytes } from "node:crypto";

/** Unique NATS and MariaDB names for one run of one system under test. */
export interface BenchNames {
  readonly id: string;
  readonly prefix: string;
  readonly stream: string;
  readonly consumer: string;
  readonly database: string;
}

export function benchNames(kind: string): BenchNames {
  const id = randomBytes(4).toString("hex");
  return {
    id,
    prefix: `bench${id}`,
    stream: `BENCH_${kind.toUpperCase()}_${id}`,
    consumer: `bench_${id}`,
    database: `modelbus_bench_${kind}_${id}`,
  };
}

export const natsUrl = process.env.NATS_URL ?? "nats://127.0.0.1:4222";
/** The MariaDB server, without a database. */
export const databaseServerUrl = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? "mysql://root@127.0.0.1:3306";

export function databaseUrl(database: string): string {
  const url = new URL(databaseServerUrl);
  url.pathname = `/${database}`;
  return url.toString();
}
