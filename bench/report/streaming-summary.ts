import { median, round3 } from "../stats/percentiles.ts";
import type { StreamPhaseResult, StreamingResult } from "./result-types.ts";
import { bound, type Target } from "./targets.ts";

const doors = [
  ["jetstream", "JetStream"],
  ["http", "HTTP"],
] as const;

type Door = (typeof doors)[number][0];
type Pick = (phase: StreamPhaseResult) => number;

/** What the streaming tables show, per phase ("latency" or "hold"): label and value of a phase. */
const rows: ReadonlyArray<readonly [label: string, phase: "latency" | "hold", pick: Pick, digits: number]> = [
  ["time to first token p50 (ms)", "latency", (phase) => phase.ttft_ms.p50, 2],
  ["time to first token p99 (ms)", "latency", (phase) => phase.ttft_ms.p99, 2],
  ["inter-chunk p50 (ms)", "latency", (phase) => phase.inter_chunk_ms.p50, 2],
  ["inter-chunk p99 (ms)", "latency", (phase) => phase.inter_chunk_ms.p99, 2],
  ["CPU per chunk (µs)", "latency", (phase) => phase.cpu_us_per_chunk, 1],
  ["holding: event-loop delay p99 (ms)", "hold", (phase) => phase.event_loop_delay_ms.p99, 1],
  ["holding: time to first token p50 (ms)", "hold", (phase) => phase.ttft_ms.p50, 2],
  ["holding: inter-chunk p99 (ms)", "hold", (phase) => phase.inter_chunk_ms.p99, 2],
  ["holding: CPU per chunk (µs)", "hold", (phase) => phase.cpu_us_per_chunk, 1],
];

type Sut = StreamingResult["runs"][number]["sut"];

function phaseOf(result: StreamingResult, sut: Sut, repeat: number, door: Door, kind: "latency" | "hold"): StreamPhaseResult | undefined {
  return result.runs.find((run) => run.sut === sut && run.repeat === repeat)?.phases.find((phase) => phase.name === `${door}_${kind}`);
}

function repeats(result: StreamingResult): number[] {
  return [...new Set(result.runs.map((run) => run.repeat))].sort((a, b) => a - b);
}

/** A system's value minus the floor's, repeat by repeat (`added`), or its own value. */
function perRepeat(result: StreamingResult, door: Door, kind: "latency" | "hold", pick: Pick, added: boolean, sut: Sut = "modelbus"): number[] {
  return repeats(result).map((repeat) => {
    const modelbus = phaseOf(result, sut, repeat, door, kind);
    const floor = phaseOf(result, "floor", repeat, door, kind);
    if (!modelbus || (added && !floor)) return Number.NaN;
    return round3(pick(modelbus) - (added && floor ? pick(floor) : 0));
  });
}

/**
 * The streaming targets, per door: added time to first token p50 ≤ 0.5 ms and added inter-chunk
 * p99 ≤ 1 ms (modelbus − floor in the latency phase, repeat by repeat), and modelbus's
 * event-loop delay p99 ≤ 20 ms while it holds the hold phase's streams.
 */
export function streamingTargets(result: StreamingResult, claimP50Ms?: number): Target[] {
  const held = result.runs[0]?.phases.find((phase) => phase.name.endsWith("_hold"));
  return doors.flatMap(([door, title]) => {
    const values: Record<string, number[]> = {
      ttft: perRepeat(result, door, "latency", (phase) => phase.ttft_ms.p50, true),
      gap: perRepeat(result, door, "latency", (phase) => phase.inter_chunk_ms.p99, true),
      eld: perRepeat(result, door, "hold", (phase) => phase.event_loop_delay_ms.p99, false),
    };
    const medians = Object.fromEntries(Object.entries(values).map(([key, list]) => [key, round3(median(list))]));
    // The JetStream door claims the request id before it calls the model; the floor does not.
    const claimBound =
      door === "jetstream" && claimP50Ms !== undefined && Number.isFinite(claimP50Ms)
        ? [
            bound(
              `${title} streaming: added time to first token, p50, against one claim (${claimP50Ms} ms) + 0.5 ms`,
              values,
              medians,
              "ttft",
              round3(claimP50Ms + 0.5),
              " ms",
              true,
            ),
          ]
        : [];
    return [
      bound(`${title} streaming: added time to first token, p50`, values, medians, "ttft", 0.5, " ms", true),
      ...claimBound,
      bound(`${title} streaming: added inter-chunk latency, p99`, values, medians, "gap", 1, " ms", true),
      bound(
        `${title} streaming: event-loop delay p99 holding ${held?.concurrency ?? "?"} streams (a chunk every ${held?.chunk_ms ?? "?"} ms)`,
        values,
        medians,
        "eld",
        20,
        " ms",
        true,
      ),
    ];
  });
}

/** The "Streaming" section of latest.md: floor and modelbus side by side per door, medians over the repeats. */
export function streamingMarkdown(result: StreamingResult): string[] {
  const first = result.runs[0];
  const latency = first?.phases.find((phase) => phase.name.endsWith("_latency"));
  const hold = first?.phases.find((phase) => phase.name.endsWith("_hold"));
  const lines = [
    "",
    "## Streaming",
    "",
    `Each stream: ${latency?.chunks ?? "?"} chunks from the mock, one every ${latency?.chunk_ms ?? "?"} ms; ${latency?.concurrency ?? "?"} streams at once, then ` +
      `${hold?.concurrency ?? "?"} held at once (a chunk every ${hold?.chunk_ms ?? "?"} ms). The floor relays them with no logic; modelbus runs with persistence on. ` +
      "Times at the client; CPU and event-loop delay of the system under test (Node's monitorEventLoopDelay, whose values include its 10 ms sampling interval). " +
      "Medians over the repeats; the differences are taken repeat by repeat.",
    "",
  ];
  const nostore = result.runs.some((run) => run.sut === "nostore");
  lines.push(
    `| door | metric | floor | modelbus | modelbus − floor |${nostore ? " store off | store off − floor |" : ""}`,
    `|---|---|---:|---:|---:|${nostore ? "---:|---:|" : ""}`,
  );
  const cell = (value: number, digits: number) => (Number.isFinite(value) ? value.toFixed(digits) : "–");
  for (const [door, title] of doors) {
    for (const [label, kind, pick, digits] of rows) {
      const of = (sut: Sut) =>
        median(
          repeats(result)
            .map((repeat) => phaseOf(result, sut, repeat, door, kind))
            .filter((phase): phase is StreamPhaseResult => phase !== undefined)
            .map(pick),
        );
      const system = (sut: Sut) => `${cell(of(sut), digits)} | ${cell(median(perRepeat(result, door, kind, pick, true, sut)), digits)} |`;
      lines.push(`| ${title} | ${label} | ${cell(of("floor"), digits)} | ${system("modelbus")}${nostore ? ` ${system("nostore")}` : ""}`);
    }
  }
  return lines;
}
