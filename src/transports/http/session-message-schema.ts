import { z } from "zod";

/**
 * POST /v1/sessions/{id}/messages: the user's next message, and/or the results of the
 * tool calls the assistant asked for last turn (they go first, in order). `stream` asks
 * for SSE like `Accept: text/event-stream` does; it is not part of the idempotency digest.
 */
export const sessionMessageSchema = z
  .strictObject({
    content: z.string().min(1).optional(),
    tool_results: z
      .array(
        z.strictObject({
          tool_call_id: z.string().min(1).max(191),
          content: z.string().min(1),
          name: z.string().min(1).max(191).optional(),
          is_error: z.boolean().optional(),
        }),
      )
      .min(1)
      .optional(),
    stream: z.boolean().optional(),
  })
  .refine((body) => body.content !== undefined || body.tool_results !== undefined, {
    path: ["content"],
    message: "is required (or tool_results)",
  });

export type SessionMessageBody = z.output<typeof sessionMessageSchema>;

const idempotencyKey = z
  .string()
  .min(1)
  .max(255, "longer than 255 characters")
  .regex(/^[\x21-\x7e]+$/, "must be visible ASCII characters")
  .optional();

export const sessionMessageHeadersSchema = z.looseObject({ "idempotency-key": idempotencyKey });
