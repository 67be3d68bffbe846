import { readdirSync, readFileSync } from "node:fs";

/** CPU time of the whole machine and of the shared services, from /proc (Linux only; zeros elsewhere). */
export interface MachineCpu {
  /** Busy CPU seconds of all cores since boot (user + nice + system + irq + softirq + steal). */
  readonly busyS: number;
  /** CPU seconds used by nats-server and mariadbd since they started. */
  readonly servicesS: number;
  /** Of which mariadbd (or mysqld). */
  readonly databaseS: number;
}

const ticksPerSecond = 100; // USER_HZ on Linux

function read(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}

let servicePids: { readonly nats: number[]; readonly database: number[] } | undefined;

function findServicePids(): { nats: number[]; database: number[] } {
  const pids = { nats: [] as number[], database: [] as number[] };
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const comm = read(`/proc/${entry}/comm`)?.trim();
    if (comm === "nats-server") pids.nats.push(Number(entry));
    if (comm === "mariadbd" || comm === "mysqld") pids.database.push(Number(entry));
  }
  return pids;
}

const cpuOf = (pids: readonly number[]) => pids.reduce((sum, pid) => sum + processCpuSeconds(pid), 0);

/** utime + stime of one process, seconds. */
export function processCpuSeconds(pid: number): number {
  const stat = read(`/proc/${pid}/stat`);
  if (!stat) return 0;
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
}

export function machineCpu(): MachineCpu {
  const line = read("/proc/stat")?.split("\n")[0];
  if (!line) return { busyS: 0, servicesS: 0, databaseS: 0 };
  const [, user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).map(Number);
  const busy = [user, nice, system, irq, softirq, steal].reduce<number>((sum, value) => sum + (value ?? 0), 0);
  servicePids ??= findServicePids();
  const database = cpuOf(servicePids.database);
  return { busyS: busy / ticksPerSecond, servicesS: cpuOf(servicePids.nats) + database, databaseS: database };
}
