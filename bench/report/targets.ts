/** One bench target as the results show it: the goal, what was measured, met or not. */
export interface Target {
  readonly name: string;
  readonly target: string;
  readonly actual: string;
  readonly met: boolean;
}

/** " (per repeat: a, b, c)" when there was more than one repeat. */
export function spread(values: readonly number[] | undefined): string {
  return values !== undefined && values.length > 1 ? ` (per repeat: ${values.join(", ")})` : "";
}

/** A bound on a paired value: its median (and every repeat's) against `limit`. */
export function bound(
  name: string,
  perRepeat: Readonly<Record<string, readonly number[]>>,
  medians: Readonly<Record<string, number>>,
  key: string,
  limit: number,
  unit: " ms" | " ×",
  atMost: boolean,
): Target {
  const value = medians[key];
  return {
    name,
    target: `${atMost ? "≤" : "≥"} ${limit}${unit}`,
    actual: `${value}${unit}${spread(perRepeat[key])}`,
    met: value !== undefined && Number.isFinite(value) && (atMost ? value <= limit : value >= limit),
  };
}
