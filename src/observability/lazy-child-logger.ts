import type { Logger } from "pino";

const levels = new Set(["trace", "debug", "info", "warn", "error", "fatal", "silent"]);

/**
 * `parent.child(bindings)`, made when something is first logged through it. pino builds a
 * child eagerly: it serialises and redacts the bindings (~2 KB of garbage per call), which
 * every request paid for a logger that, on the happy path, writes nothing. Level methods and
 * `child` are wrappers that make the child only when called (Fastify checks that they exist
 * on every request's logger); a call at a level the parent does not log makes nothing.
 * Any other property (`level`, `bindings()`, …) is read from, or written to, the child, made then.
 * `bindings` may be a function, called only then (reading them may cost something: a header).
 */
export function lazyChildLogger(parent: Logger, bindings: Record<string, unknown> | (() => Record<string, unknown>)): Logger {
  let child: Logger | undefined;
  const made = () => (child ??= parent.child(typeof bindings === "function" ? bindings() : bindings));
  return new Proxy(parent, {
    get(_target, property) {
      if (typeof property === "string" && levels.has(property)) {
        return (...args: unknown[]) => {
          if (parent.isLevelEnabled(property)) (made()[property as "info"] as (...a: unknown[]) => void)(...args);
        };
      }
      if (property === "child") return (...args: Parameters<Logger["child"]>) => made().child(...args);
      const value: unknown = Reflect.get(made(), property);
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(made()) : value;
    },
    // `logger.level = …` on a request's logger must not change the parent's.
    set(_target, property, value) {
      return Reflect.set(made(), property, value);
    },
  });
}
