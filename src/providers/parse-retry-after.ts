/**
 * Reads how long a provider asked us to wait before the next attempt.
 *
 * Precedence (the first header that holds a valid value wins; an invalid one is skipped):
 *   1. `retry-after-ms`: milliseconds, possibly fractional (OpenAI / Azure extension).
 *   2. `retry-after` as delay-seconds, possibly fractional ("2", "1.5").
 *   3. `retry-after` as an HTTP-date (RFC 9110 §5.6.7: IMF-fixdate, RFC 850 or asctime),
 *      turned into milliseconds from `nowMs`; a date in the past gives 0.
 *
 * Negative numbers, NaN, empty values and anything else that does not match one of those
 * forms give `undefined`. Dates are parsed by hand: `Date.parse` is far too lenient (it
 * reads "-1" and "foo 1" as dates in 2001) and reads asctime dates in the local time zone.
 */
export function parseRetryAfter(headers: Headers | undefined, nowMs: number): number | undefined {
  if (headers === undefined) return undefined;

  const retryAfterMs = parseNonNegativeDecimal(headers.get("retry-after-ms"));
  if (retryAfterMs !== undefined) return retryAfterMs;

  const retryAfter = headers.get("retry-after");
  if (retryAfter === null) return undefined;

  const seconds = parseNonNegativeDecimal(retryAfter);
  if (seconds !== undefined) {
    const ms = seconds * 1000;
    return Number.isFinite(ms) ? ms : undefined;
  }

  const dateMs = parseHttpDate(retryAfter, nowMs);
  if (dateMs === undefined) return undefined;
  return Math.max(0, dateMs - nowMs);
}

const decimalPattern = /^(?:\d+(?:\.\d*)?|\.\d+)$/;

/** Plain non-negative decimal ("2", "1.5", ".5"); no sign, exponent, hex or empty string. */
function parseNonNegativeDecimal(value: string | null): number | undefined {
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (!decimalPattern.test(trimmed)) return undefined;
  const parsed = Number(trimmed);
  return Number.isFinite(parsed) && parsed >= 0 ? parsed : undefined;
}

const months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
const shortDay = "(?:mon|tue|wed|thu|fri|sat|sun)";
const longDay = "(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)";
const month = "(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)";
const time = "(\\d{2}):(\\d{2}):(\\d{2})";

/** Sun, 06 Nov 1994 08:49:37 GMT */
const imfFixdate = new RegExp(`^${shortDay},\\s+(\\d{1,2})\\s+${month}\\s+(\\d{4})\\s+${time}\\s+GMT$`, "i");
/** Sunday, 06-Nov-94 08:49:37 GMT */
const rfc850Date = new RegExp(`^${longDay},\\s+(\\d{1,2})-${month}-(\\d{2})\\s+${time}\\s+GMT$`, "i");
/** Sun Nov  6 08:49:37 1994 (always UTC) */
const asctimeDate = new RegExp(`^${shortDay}\\s+${month}\\s+(\\d{1,2})\\s+${time}\\s+(\\d{4})$`, "i");

function parseHttpDate(value: string, nowMs: number): number | undefined {
  const text = value.trim();

  let match = imfFixdate.exec(text);
  if (match) return utc(match[3], match[2], match[1], match[4], match[5], match[6]);

  match = rfc850Date.exec(text);
  if (match) {
    const twoDigitYear = Number(match[3]);
    // RFC 9110: a two-digit year that would put the date more than 50 years in the future
    // means the most recent past year with those last two digits.
    const nowYear = new Date(nowMs).getUTCFullYear();
    let year = Math.floor(nowYear / 100) * 100 + twoDigitYear;
    if (year > nowYear + 50) year -= 100;
    return utc(String(year), match[2], match[1], match[4], match[5], match[6]);
  }

  match = asctimeDate.exec(text);
  if (match) return utc(match[6], match[1], match[2], match[3], match[4], match[5]);

  return undefined;
}

function utc(
  yearText: string | undefined,
  monthText: string | undefined,
  dayText: string | undefined,
  hourText: string | undefined,
  minuteText: string | undefined,
  secondText: string | undefined,
): number | undefined {
  const monthIndex = months.indexOf((monthText ?? "").toLowerCase());
  const year = Number(yearText);
  const day = Number(dayText);
  const hour = Number(hourText);
  const minute = Number(minuteText);
  const second = Number(secondText);
  if (monthIndex < 0 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return undefined;
  const ms = Date.UTC(year, monthIndex, day, hour, minute, Math.min(second, 59));
  // Reject dates that roll over (e.g. 31 Feb) instead of silently moving them.
  if (new Date(ms).getUTCDate() !== day) return undefined;
  return Number.isFinite(ms) ? ms : undefined;
}
