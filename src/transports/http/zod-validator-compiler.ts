import type { FastifySchemaCompiler } from "fastify";
import type { z } from "zod";
import { fieldIssues, requestInvalid } from "./request-invalid.ts";

/**
 * Route schemas are zod schemas (one source of truth with the types the handlers use):
 * Fastify hands each route part to this compiler, and the parsed value (defaults and
 * transforms applied) replaces the raw one. A failure is an E_REQUEST_INVALID HttpError,
 * which the error handler answers with 400 and the fields at fault.
 */
export const zodValidatorCompiler: FastifySchemaCompiler<z.ZodType> = ({ schema, httpPart }) => {
  const location = httpPart ?? "request";
  return (data: unknown) => {
    const result = schema.safeParse(data);
    if (result.success) return { value: result.data };
    return { error: requestInvalid(location, fieldIssues(location, result.error.issues)) };
  };
};
