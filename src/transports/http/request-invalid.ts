import type { z } from "zod";
import { HttpError } from "./http-error.ts";

export interface FieldIssue {
  readonly field: string;
  readonly message: string;
}

function fieldOf(location: string, path: readonly PropertyKey[], extraKey?: string): string {
  const parts = [...path.map(String), ...(extraKey === undefined ? [] : [extraKey])];
  return parts.length === 0 ? location : parts.join(".");
}

/** Zod issues as `{field, message}` pairs; "received undefined" reads better as "is required". */
export function fieldIssues(location: string, issues: readonly z.core.$ZodIssue[]): FieldIssue[] {
  return issues.flatMap((issue): FieldIssue[] => {
    if (issue.code === "unrecognized_keys") {
      return issue.keys.map((key) => ({ field: fieldOf(location, issue.path, key), message: "unknown field" }));
    }
    const message = /received undefined$/.test(issue.message) ? "is required" : issue.message;
    return [{ field: fieldOf(location, issue.path), message }];
  });
}

/**
 * A 400 naming the fields at fault: the message names the first, `details.issues` lists all,
 * `details.location` says which part of the request (body, querystring, params, headers).
 */
export function requestInvalid(location: string, issues: readonly FieldIssue[]): HttpError {
  const [first] = issues;
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : "";
  return new HttpError({
    code: "E_REQUEST_INVALID",
    message: first ? `${first.field}: ${first.message}${more}` : `invalid ${location}`,
    details: { location, issues },
  });
}

/** Parses with a schema; failure is the same 400 the route validators produce. */
export function parseOrThrow<T extends z.ZodType>(schema: T, value: unknown, location: string): z.output<T> {
  const result = schema.safeParse(value);
  if (!result.success) throw requestInvalid(location, fieldIssues(location, result.error.issues));
  return result.data;
}
