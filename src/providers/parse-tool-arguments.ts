/**
 * Tool-call arguments arrive as a JSON string. Empty means "no arguments" ({}); anything
 * that is not a JSON object is replaced by {} and reported, never passed on half-parsed.
 */
export function parseToolArguments(text: string | undefined, onMalformed: (text: string) => void): Record<string, unknown> {
  if (text === undefined || text.trim() === "") return {};
  try {
    const value: unknown = JSON.parse(text);
    if (value !== null && typeof value === "object" && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // fall through to the warning below
  }
  onMalformed(text);
  return {};
}
