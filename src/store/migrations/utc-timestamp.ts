/**
 * A DATETIME(3) literal in UTC (`2026-11-21 05:39:00.123`). Prisma writes `chrono::Utc::now()`
 * into `_prisma_migrations`, so the runner writes UTC too, whatever the session time zone.
 */
export function utcTimestamp(date: Date): string {
  return date.toISOString().replace("T", " ").replace("Z", "");
}
