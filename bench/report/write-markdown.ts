import type { SutKind } from "../children/start-sut.ts";
import { streamingMarkdown } from "./streaming-summary.ts";
import type { BenchSummary, SutSummary } from "./summarize.ts";

const titles: Record<SutKind, string> = {
  floor: "floor",
  modelbus: "modelbus (JetStream)",
  http: "modelbus (HTTP)",
  nostore: "modelbus, store off (diagnostic)",
  httpnostore: "modelbus (HTTP), store off (diagnostic)",
  floorstore: "floor, modelbus's store (diagnostic)",
  traced: "modelbus, tracing on (diagnostic)",
};

function columnsOf(summary: BenchSummary): SutKind[] {
  const diagnostics = (["nostore", "httpnostore", "floorstore", "traced"] as const).filter((kind) => summary.summary[kind] !== undefined);
  return ["floor", "modelbus", "http", ...diagnostics];
}

function cell(value: number | undefined, digits = 1): string {
  return value === undefined || !Number.isFinite(value) ? "–" : value.toFixed(digits);
}

function row(label: string, summary: BenchSummary, pick: (sut: SutSummary) => number | undefined, digits = 1, ratio?: string): string {
  const cells = columnsOf(summary).map((kind) => {
    const sut = summary.summary[kind];
    if (!sut) return kind === "http" && !summary.http_door.available ? "n/a" : "–";
    return cell(pick(sut), digits);
  });
  const ratioCell = ratio === undefined ? "" : ratio;
  return `| ${label} | ${cells.join(" | ")} | ${ratioCell} |`;
}

/** floor vs modelbus vs http (and the diagnostics): medians, ratios, and the sentences on the store's and tracing's cost. */
function comparisonTable(summary: BenchSummary): string[] {
  const ratios = summary.ratios.modelbus_vs_floor ?? {};
  const r = (name: string, digits = 2, suffix = "") => (ratios[name] === undefined ? "" : `${cell(ratios[name], digits)}${suffix}`);
  const lines = [
    "Medians over the repeats; the ratio column is the median of the per-repeat ratios (modelbus ÷ floor, or modelbus − floor for latency).",
    "NATS JetStream, MariaDB, the mock endpoint and the load generator share the same 2 cores. Method: [bench/README.md](../README.md).",
    "",
    `| metric | ${columnsOf(summary)
      .map((kind) => titles[kind])
      .join(" | ")} | modelbus vs floor |`,
    `|---|${columnsOf(summary)
      .map(() => "---:")
      .join("|")}|---:|`,
    row("max throughput, closed loop (req/s)", summary, (sut) => sut.max_throughput_rps, 0, r("throughput", 2, " ×")),
    row("CPU s per 1,000 requests (closed loop)", summary, (sut) => sut.cpu_s_per_1k, 2, r("cpu_per_request", 2, " ×")),
    row("peak RSS (MB)", summary, (sut) => sut.peak_rss_mb, 0, r("peak_rss", 2, " ×")),
    row("RSS after start, idle (MB)", summary, (sut) => sut.idle_rss_mb, 0),
  ];
  for (const rate of summary.options.openRates) {
    for (const percentile of ["p50", "p90", "p99"] as const) {
      lines.push(
        row(
          `${percentile} latency at ${rate} req/s (ms)`,
          summary,
          (sut) => sut.latency_ms[String(rate)]?.[percentile],
          1,
          r(`${percentile}_overhead_ms_at_${rate}`, 1, " ms"),
        ),
      );
    }
    lines.push(row(`achieved rate at ${rate} req/s offered`, summary, (sut) => sut.latency_ms[String(rate)]?.achieved_rps, 0));
  }
  lines.push("");
  const against = (ratios: Record<string, number>) => {
    const t = (name: string, digits: number, suffix: string) => (ratios[name] === undefined ? "–" : `${cell(ratios[name], digits)}${suffix}`);
    const rates = summary.options.openRates.map(
      (rate) => `p50 ${t(`p50_overhead_ms_at_${rate}`, 2, " ms")} / p99 ${t(`p99_overhead_ms_at_${rate}`, 2, " ms")} at ${rate} req/s`,
    );
    return `throughput ${t("throughput", 2, " ×")}, CPU per request ${t("cpu_per_request", 2, " ×")}, ${rates.join(", ")}`;
  };
  const sentences: Array<[string, string]> = [
    ["traced_vs_modelbus", "Tracing on (every request sampled, exported over OTLP/HTTP) against the default run, where it is off"],
    ["modelbus_vs_nostore", "The store's cost on the JetStream door (store on against store off)"],
    ["http_vs_httpnostore", "The store's cost on the HTTP door (store on against store off)"],
  ];
  for (const [name, text] of sentences) {
    const ratios = summary.ratios[name];
    if (ratios) lines.push(`${text}: ${against(ratios)}.`, "");
  }
  if (!summary.http_door.available) lines.push(`HTTP door: not available — ${summary.http_door.reason ?? "not probed"}.`, "");
  return lines;
}

/** The short table docs/benchmarks.md links: floor vs modelbus vs http, ratios, targets, machine and command. */
export function benchMarkdown(summary: BenchSummary): string {
  const lines = [
    "# modelbus benchmark — latest results",
    "",
    `${summary.date} · \`${summary.command}\` (${summary.mode}, ${summary.options.repeats} alternating repeat(s), ${summary.duration_s} s) · ` +
      `${summary.machine.cpus} × ${summary.machine.cpu_model}, ${summary.machine.memory_gb} GB, Node ${summary.machine.node}, ` +
      `load average at start ${summary.machine.loadavg_1m_start}`,
    "",
  ];
  if (summary.runs.length > 0) lines.push(...comparisonTable(summary));
  lines.push("## Targets", "", "| target | goal | measured | met |", "|---|---|---|---|");
  for (const target of summary.targets) lines.push(`| ${target.name} | ${target.target} | ${target.actual} | ${target.met ? "yes" : "**no**"} |`);
  if (summary.soak) {
    const soak = summary.soak;
    lines.push(
      "",
      `## Soak: modelbus, ${soak.rate_rps} req/s for ${soak.duration_s} s`,
      "",
      "| t (s) | RSS (MB) | heap used / total (MB) | external (MB) | loop delay p50 / p99 / max (ms) | machine busy cores |",
      "|---:|---:|---:|---:|---:|---:|",
      ...soak.samples.map(
        (sample) =>
          `| ${sample.t_s} | ${sample.rss_mb.toFixed(0)} | ${sample.heap_mb.toFixed(0)} / ${sample.heap_total_mb.toFixed(0)} | ${sample.external_mb.toFixed(0)} | ` +
          `${sample.eld_p50_ms.toFixed(1)} / ${sample.eld_p99_ms.toFixed(1)} / ${sample.eld_max_ms.toFixed(1)} | ${sample.machine_busy_cores?.toFixed(2) ?? "–"} |`,
      ),
      "",
      `Latency over the soak: p50 ${soak.phase.latency_ms.p50} ms, p99 ${soak.phase.latency_ms.p99} ms; achieved ${soak.phase.throughput_rps.toFixed(0)} req/s.`,
    );
  }
  if (summary.streaming) lines.push(...streamingMarkdown(summary.streaming));
  if (summary.micro.length > 0) {
    lines.push("", "## Micro-benchmarks", "", "| benchmark | result | unit |", "|---|---|---|");
    for (const micro of summary.micro) {
      lines.push(
        `| ${micro.name} | ${Object.entries(micro.results)
          .map(([name, value]) => `${name} ${value}`)
          .join(", ")} | ${micro.unit} |`,
      );
    }
  }
  lines.push(
    "",
    "## Correctness",
    "",
    summary.correctness.failures.length === 0
      ? `All ${summary.correctness.requests} requests got exactly one correct response (collector, stream message count and stored rows agree).`
      : `**FAILED** (${summary.correctness.failures.length}):\n\n${summary.correctness.failures.map((failure) => `- ${failure}`).join("\n")}`,
    "",
    "Raw numbers per run and phase (including CPU of the mock, the load generator, NATS + MariaDB and other processes): `latest.json`.",
    "",
  );
  return lines.join("\n");
}
