/** Keys whose value may be undefined become optional keys without undefined. */
export type Defined<T> = { [K in keyof T]?: Exclude<T[K], undefined> };

/** A copy without the keys whose value is undefined (exactOptionalPropertyTypes keeps "absent" and "undefined" apart). */
export function withoutUndefined<T extends Record<string, unknown>>(value: T): Defined<T> {
  return Object.fromEntries(Object.entries(value).filter(([, child]) => child !== undefined)) as Defined<T>;
}
