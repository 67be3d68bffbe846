import type { FastifyRequest } from "fastify";

/** The client asked for SSE: `stream: true` in the body, or `text/event-stream` in Accept. */
export function wantsEventStream(request: FastifyRequest, bodyStream: boolean | null | undefined): boolean {
  if (bodyStream === true) return true;
  return /(^|,)\s*text\/event-stream\s*(;|,|$)/i.test(request.headers.accept ?? "");
}
