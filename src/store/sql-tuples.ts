/** `(?,?,…)` with `columns` placeholders. */
export function tuple(columns: number): string {
  return `(${"?,".repeat(columns - 1)}?)`;
}

/**
 * `(?,…),(?,…)` — `rows` tuples of `columns` placeholders, for multi-row statements whose SQL
 * text is built only from constants while every value stays a bound parameter.
 */
export function tuples(rows: number, columns: number): string {
  const one = tuple(columns);
  return rows === 1 ? one : `${one},`.repeat(rows - 1) + one;
}

/** `?,?,…` — the placeholders of an `IN (…)` list of `count` values. */
export function placeholders(count: number): string {
  return `${"?,".repeat(count - 1)}?`;
}
