import type { z } from "zod";

/**
 * semstreams reads and writes its messages with Go's encoding/json, and a request modelbus
 * takes must be one Go would take. Two of Go's decoding rules differ from a zod parse of
 * `JSON.parse` output, and both are applied here, before the schema runs:
 *
 * - **Keys match struct fields case-insensitively** (Unicode simple folding, so the Kelvin
 *   sign matches `k` and the long s matches `s`). Older semstreams releases wrote the
 *   envelope's type as `{"Domain","Category","Version"}` (an untagged Go struct). Keys are
 *   taken in order and a later one overwrites an earlier one, as in Go. Keys inside map-typed
 *   fields (`arguments`, `metadata`, `schema`, `parameters`, `meta`) are data and never folded.
 * - **`null` means "leave the field as it was"**: absent for a fresh struct. (Go sets a slice,
 *   map or pointer to nil and leaves strings, numbers and structs alone; both are "absent" here.)
 *
 * The key shapes are read from the zod schemas themselves, so the schemas stay the one
 * description of each struct. Messages that need no change are returned as they are.
 */
export type KeyShape = StructShape | ListShape;

interface StructShape {
  readonly kind: "struct";
  /** Field name → shape of its value (undefined: scalar or map, taken as it is). */
  readonly fields: ReadonlyMap<string, KeyShape | undefined>;
  /** Folded field name → field name. */
  readonly folded: ReadonlyMap<string, string>;
}

interface ListShape {
  readonly kind: "list";
  readonly element: KeyShape;
}

interface Def {
  readonly type: string;
  readonly innerType?: z.ZodType;
  readonly in?: z.ZodType;
  readonly out?: z.ZodType;
  readonly shape?: Record<string, z.ZodType>;
  readonly element?: z.ZodType;
}

const defOf = (schema: z.ZodType): Def => schema.def as unknown as Def;

/** Optional, default, nullable and pipe wrappers stripped off: the schema of the value itself. */
function unwrap(schema: z.ZodType): z.ZodType {
  let current = schema;
  for (;;) {
    const def = defOf(current);
    if ((def.type === "optional" || def.type === "default" || def.type === "nullable" || def.type === "prefault") && def.innerType) {
      current = def.innerType;
    } else if (def.type === "pipe" && def.in && def.out) {
      current = defOf(def.in).type === "transform" ? def.out : def.in;
    } else {
      return current;
    }
  }
}

const shapes = new WeakMap<z.ZodType, KeyShape | undefined>();

/** The key shape a zod schema describes; undefined for scalars, maps and unions. */
export function keyShapeOf(schema: z.ZodType): KeyShape | undefined {
  if (shapes.has(schema)) return shapes.get(schema);
  const def = defOf(unwrap(schema));
  let shape: KeyShape | undefined;
  if (def.type === "object" && def.shape) {
    const fields = new Map<string, KeyShape | undefined>();
    const folded = new Map<string, string>();
    for (const [name, child] of Object.entries(def.shape)) {
      fields.set(name, keyShapeOf(child));
      folded.set(foldKey(name), name);
    }
    shape = { kind: "struct", fields, folded };
  } else if (def.type === "array" && def.element) {
    const element = keyShapeOf(def.element);
    shape = element ? { kind: "list", element } : undefined;
  }
  shapes.set(schema, shape);
  return shape;
}

/**
 * Go's case folding as it can matter for ASCII field names: ASCII letters fold to lower
 * case, and U+212A (Kelvin sign) and U+017F (long s) fold to `k` and `s`.
 */
export function foldKey(key: string): string {
  let ascii = true;
  for (let index = 0; index < key.length; index += 1) {
    if (key.charCodeAt(index) > 0x7f) {
      ascii = false;
      break;
    }
  }
  if (ascii) return key.toLowerCase();
  return key
    .replace(/\u212a/g, "k")
    .replace(/\u017f/g, "s")
    .toLowerCase();
}

const isPlainObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === "object" && !Array.isArray(value);

/** The value with its keys named as the struct names them and `null` fields left out. */
export function foldLikeGo(value: unknown, shape: KeyShape | undefined): unknown {
  if (shape === undefined) return value;
  if (shape.kind === "list") return foldList(value, shape);
  if (!isPlainObject(value)) return value;
  let out: Record<string, unknown> | undefined;
  const keys = Object.keys(value);
  for (let index = 0; index < keys.length; index += 1) {
    const key = keys[index] as string;
    const field = shape.fields.has(key) ? key : shape.folded.get(foldKey(key));
    const raw = value[key];
    const child = field === undefined ? undefined : shape.fields.get(field);
    const folded = raw === null ? raw : foldLikeGo(raw, child);
    if (out === undefined && (field !== key || raw === null || folded !== raw)) out = copyKeys(value, keys, index);
    if (out === undefined) continue;
    if (field === undefined) out[key] = raw;
    else if (raw !== null) out[field] = folded;
  }
  return out ?? value;
}

function foldList(value: unknown, shape: ListShape): unknown {
  if (!Array.isArray(value)) return value;
  let out: unknown[] | undefined;
  for (let index = 0; index < value.length; index += 1) {
    const item: unknown = value[index];
    const folded = foldLikeGo(item, shape.element);
    if (out === undefined && folded !== item) out = value.slice(0, index);
    if (out !== undefined) out.push(folded);
  }
  return out ?? value;
}

function copyKeys(value: Record<string, unknown>, keys: readonly string[], count: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (let index = 0; index < count; index += 1) {
    const key = keys[index] as string;
    out[key] = value[key];
  }
  return out;
}
