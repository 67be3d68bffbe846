import type { z } from "zod";

interface Def {
  type: string;
  innerType?: z.ZodType;
  in?: z.ZodType;
  out?: z.ZodType;
  shape?: Record<string, z.ZodType>;
  valueType?: z.ZodType;
}

function defOf(schema: z.ZodType): Def {
  return (schema as unknown as { _zod: { def: Def } })._zod.def;
}

/** Strips optional/default/pipe wrappers (a preprocess step included) down to the schema that describes the value. */
function unwrap(schema: z.ZodType): z.ZodType {
  let current = schema;
  for (;;) {
    const def = defOf(current);
    if ((def.type === "optional" || def.type === "default" || def.type === "nullable") && def.innerType) current = def.innerType;
    else if (def.type === "pipe" && def.in) current = defOf(def.in).type === "transform" && def.out ? def.out : def.in;
    else return current;
  }
}

/**
 * Every key path a config file may contain, e.g. `retry.max_attempts` or
 * `model_registry.endpoints.<name>.url`, read from the zod schema itself.
 */
export function listConfigKeys(schema: z.ZodType, prefix = ""): string[] {
  const def = defOf(unwrap(schema));
  if (def.type === "object" && def.shape) {
    return Object.entries(def.shape).flatMap(([key, child]) => {
      const path = prefix ? `${prefix}.${key}` : key;
      const nested = listConfigKeys(child, path);
      return nested.length > 0 ? nested : [path];
    });
  }
  if (def.type === "record" && def.valueType) {
    if (defOf(unwrap(def.valueType)).type === "unknown") return [prefix]; // a free-form object
    const nested = listConfigKeys(def.valueType, `${prefix}.<name>`);
    return nested.length > 0 ? nested : [`${prefix}.<name>`];
  }
  return [];
}
