import { describe, expect, it } from "vitest";
import { parseRetryAfter } from "../../src/providers/parse-retry-after.ts";

const now = Date.UTC(2024, 0, 1, 0, 0, 0); // Mon, 01 Jan 2024 00:00:00 GMT

function headers(values: Record<string, string>): Headers {
  return new Headers(values);
}

describe("parseRetryAfter", () => {
  it("returns undefined without headers or without a retry header", () => {
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter(headers({ "content-type": "application/json" }), now)).toBeUndefined();
  });

  it("reads retry-after as whole and fractional seconds", () => {
    expect(parseRetryAfter(headers({ "retry-after": "2" }), now)).toBe(2000);
    expect(parseRetryAfter(headers({ "retry-after": "1.5" }), now)).toBe(1500);
    expect(parseRetryAfter(headers({ "retry-after": ".25" }), now)).toBe(250);
    expect(parseRetryAfter(headers({ "retry-after": "0" }), now)).toBe(0);
    expect(parseRetryAfter(headers({ "retry-after": " 3 " }), now)).toBe(3000);
  });

  it("reads retry-after-ms as float milliseconds", () => {
    expect(parseRetryAfter(headers({ "retry-after-ms": "1234.5" }), now)).toBe(1234.5);
    expect(parseRetryAfter(headers({ "retry-after-ms": "20" }), now)).toBe(20);
  });

  it("prefers retry-after-ms over retry-after", () => {
    expect(parseRetryAfter(headers({ "retry-after-ms": "250", "retry-after": "7" }), now)).toBe(250);
  });

  it("falls back to retry-after when retry-after-ms is garbage or negative", () => {
    expect(parseRetryAfter(headers({ "retry-after-ms": "soon", "retry-after": "7" }), now)).toBe(7000);
    expect(parseRetryAfter(headers({ "retry-after-ms": "-5", "retry-after": "7" }), now)).toBe(7000);
    expect(parseRetryAfter(headers({ "retry-after-ms": "", "retry-after": "7" }), now)).toBe(7000);
    expect(parseRetryAfter(headers({ "retry-after-ms": "-5" }), now)).toBeUndefined();
  });

  it("reads an IMF-fixdate as milliseconds from now", () => {
    expect(parseRetryAfter(headers({ "retry-after": "Mon, 01 Jan 2024 00:00:30 GMT" }), now)).toBe(30_000);
    expect(parseRetryAfter(headers({ "retry-after": "Tue, 02 Jan 2024 00:00:00 GMT" }), now)).toBe(86_400_000);
  });

  it("reads the obsolete RFC 850 and asctime date forms as UTC", () => {
    expect(parseRetryAfter(headers({ "retry-after": "Monday, 01-Jan-24 00:00:10 GMT" }), now)).toBe(10_000);
    expect(parseRetryAfter(headers({ "retry-after": "Mon Jan  1 00:00:05 2024" }), now)).toBe(5_000);
  });

  it("clamps a date in the past to 0", () => {
    expect(parseRetryAfter(headers({ "retry-after": "Sun, 31 Dec 2023 23:59:00 GMT" }), now)).toBe(0);
  });

  it("returns undefined for negative, NaN and garbage values", () => {
    for (const value of ["-1", "-0.5", "NaN", "Infinity", "abc", "", "1e3", "0x10", "2 seconds", "foo 1", "+2"]) {
      expect(parseRetryAfter(headers({ "retry-after": value }), now), value).toBeUndefined();
    }
  });

  it("rejects dates that are not real calendar dates or not HTTP-dates", () => {
    expect(parseRetryAfter(headers({ "retry-after": "Thu, 31 Feb 2024 00:00:00 GMT" }), now)).toBeUndefined();
    expect(parseRetryAfter(headers({ "retry-after": "Mon, 01 Jan 2024 25:00:00 GMT" }), now)).toBeUndefined();
    expect(parseRetryAfter(headers({ "retry-after": "2024-01-01T00:00:30Z" }), now)).toBeUndefined();
  });
});
