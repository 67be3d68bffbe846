/**
 * Values as the store's SQL sends and reads them. DATETIME(3) columns hold UTC, written and
 * read as `YYYY-MM-DD HH:MM:SS.fff` strings, so neither the driver's nor the server's time
 * zone can shift them (Prisma writes them the same way).
 */
export function sqlDateTime(date: Date): string {
  const ms = date.getTime();
  if (ms !== lastDateTime.ms) lastDateTime = { ms, text: date.toISOString().slice(0, 23).replace("T", " ") };
  return lastDateTime.text;
}

/** The last millisecond formatted: a busy process formats the same one many times (toISOString ~5 µs a call in a profile). */
let lastDateTime = { ms: Number.NaN, text: "" };

/** A DATETIME read back as a string (`dateStrings`), or null. */
export function parseSqlDateTime(value: string): Date;
export function parseSqlDateTime(value: string | null): Date | null;
export function parseSqlDateTime(value: string | null): Date | null {
  return value === null ? null : new Date(`${value.replace(" ", "T")}Z`);
}

/** A JSON column: the driver returns it parsed or as text depending on the server's metadata. */
export function parseSqlJson<T>(value: unknown): T | null {
  if (value === null || value === undefined) return null;
  return (typeof value === "string" ? JSON.parse(value) : value) as T;
}

/** A JSON column's value to bind: JSON text, or null. */
export function sqlJson(value: unknown): string | null {
  return value === undefined || value === null ? null : JSON.stringify(value);
}

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
