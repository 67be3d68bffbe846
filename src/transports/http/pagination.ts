import { z } from "zod";
import type { Page, TimeCursor } from "../../store/catalog-records.ts";
import { invalidField } from "./http-errors.ts";

/** `limit` (1..http.max_page_size, default 20 or the max if smaller) and an opaque `cursor`. */
export function pageQuerySchema(maxPageSize: number) {
  return z.strictObject({
    limit: z.coerce.number().int().min(1).max(maxPageSize).default(Math.min(20, maxPageSize)),
    cursor: z.string().min(1).max(512).optional(),
  });
}

/**
 * Cursors are base64url JSON of the last row's sort key. Clients must treat them as opaque;
 * a cursor that does not decode to the expected shape is a 400 naming `cursor`.
 */
export function encodeCursor(value: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(value), "utf8").toString("base64url");
}

function decodeCursor<T extends z.ZodType>(schema: T, cursor: string | undefined): z.output<T> | undefined {
  if (cursor === undefined) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    throw invalidField("cursor", "invalid cursor");
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw invalidField("cursor", "invalid cursor");
  return parsed.data;
}

const idCursor = z.strictObject({ i: z.string().min(1) });
const timeCursor = z.strictObject({ t: z.iso.datetime(), i: z.string().min(1) });
const positionCursor = z.strictObject({ p: z.number().int().min(0) });

export const cursors = {
  id: {
    decode: (cursor: string | undefined) => decodeCursor(idCursor, cursor)?.i,
    encode: (row: { readonly id: string }) => encodeCursor({ i: row.id }),
  },
  time: {
    decode: (cursor: string | undefined): TimeCursor | undefined => {
      const value = decodeCursor(timeCursor, cursor);
      return value ? { createdAt: new Date(value.t), id: value.i } : undefined;
    },
    encode: (row: { readonly createdAt: Date; readonly id: string }) => encodeCursor({ t: row.createdAt.toISOString(), i: row.id }),
  },
  position: {
    decode: (cursor: string | undefined) => decodeCursor(positionCursor, cursor)?.p,
    encode: (row: { readonly position: number }) => encodeCursor({ p: row.position }),
  },
};

/** `{data, next_cursor}`: next_cursor is null on the last page. */
export function pageBody<T, V>(page: Page<T>, view: (item: T) => V, encode: (item: T) => string) {
  return { data: page.items.map(view), next_cursor: page.last === undefined ? null : encode(page.last) };
}
