/** Reads and parses a request body as JSON, without throwing on bad input. */
import type { IncomingMessage } from "node:http";

export type JsonBodyResult = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly status: 400 | 413; readonly message: string };

const defaultLimitBytes = 16 * 1024 * 1024;

function parse(text: string): JsonBodyResult {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false, status: 400, message: "We could not parse the JSON body of your request." };
  }
}

/** Resolves with the parsed body or a 400/413 verdict; rejects only when the client goes away. */
export function readJsonBody(req: IncomingMessage, limitBytes = defaultLimitBytes): Promise<JsonBodyResult> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limitBytes) chunks.push(chunk);
    });
    req.once("end", () => {
      if (size > limitBytes) resolve({ ok: false, status: 413, message: `Request body exceeds ${limitBytes} bytes.` });
      else resolve(parse(Buffer.concat(chunks, size).toString("utf8")));
    });
    req.once("error", reject);
    req.once("close", () => {
      if (!req.complete) reject(new Error("client closed the connection before sending the whole body"));
    });
  });
}
