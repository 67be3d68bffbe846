import { cpus, loadavg, totalmem } from "node:os";

export interface MachineInfo {
  readonly cpus: number;
  readonly cpu_model: string;
  readonly memory_gb: number;
  readonly node: string;
  readonly platform: string;
  readonly loadavg_1m: number;
}

export function machineInfo(): MachineInfo {
  const list = cpus();
  return {
    cpus: list.length,
    cpu_model: list[0]?.model ?? "unknown",
    memory_gb: Math.round((totalmem() / 1_073_741_824) * 10) / 10,
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    loadavg_1m: Math.round((loadavg()[0] ?? 0) * 100) / 100,
  };
}
