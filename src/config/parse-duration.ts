const unitMs: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };
const part = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/y;

/**
 * Parses a Go-style duration ("30s", "1m30s", "250ms", "1.5h") into milliseconds, the
 * format semstreams configs and requests use. Returns undefined for anything else, so
 * callers decide whether bad input is an error (config) or falls through (request timeout).
 */
export function parseDuration(text: string): number | undefined {
  if (text === "0") return 0;
  let total = 0;
  let index = 0;
  part.lastIndex = 0;
  while (index < text.length) {
    part.lastIndex = index;
    const match = part.exec(text);
    if (match === null) return undefined;
    total += Number(match[1]) * (unitMs[match[2] as string] as number);
    index = part.lastIndex;
  }
  return index === 0 ? undefined : total;
}

/** An age: a Go duration ("720h") or whole days ("30d", which Go durations lack); undefined when neither. */
export function parseAge(text: string): number | undefined {
  const days = /^(\d+)d$/.exec(text.trim());
  return days ? Number(days[1]) * 86_400_000 : parseDuration(text.trim());
}
