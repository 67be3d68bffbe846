import { z } from "zod";

/**
 * semstreams' ReasoningRecord: a provider's opaque reasoning state that must go back to the
 * same provider on the next turn (Gemini 3 thought signatures on tool calls, OpenAI
 * Responses encrypted reasoning items). `opaque` is a Go `[]byte`, so on the wire it is
 * standard base64 of the bytes; for both providers those bytes are the UTF-8 text the
 * provider sent (a Gemini signature, itself base64, travels base64-encoded once more).
 */
export const reasoningRecordSchema = z.object({
  provider: z.string().default(""),
  item_id: z.string().optional(),
  summary_text: z.string().optional(),
  opaque: z.string().optional(),
  carrier_kind: z.string().default(""),
  tool_call_id: z.string().optional(),
});

export type ReasoningRecord = z.output<typeof reasoningRecordSchema>;

/** The `opaque` value for provider text, as Go's encoding/json writes `[]byte(text)`. */
export function opaqueFromText(text: string): string {
  return Buffer.from(text, "utf8").toString("base64");
}

const stdBase64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const printableAscii = /^[\x20-\x7e]*$/;
const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * The provider text an `opaque` value carries, to send back. Standard base64 (padding
 * required, CR/LF ignored, as Go decodes `[]byte`) whose bytes are printable text is the
 * current form. Anything else is a record written by an earlier modelbus, which kept the
 * provider's text itself in `opaque`: a Gemini signature is base64 of binary data, so its
 * own decoding is not printable text, and a mock or non-base64 signature does not decode.
 */
export function opaqueText(opaque: string): string {
  const compact = opaque.replace(/[\r\n]/g, "");
  if (!stdBase64.test(compact)) return opaque;
  let text: string;
  try {
    text = utf8.decode(Buffer.from(compact, "base64"));
  } catch {
    return opaque;
  }
  return printableAscii.test(text) ? text : opaque;
}
