/**
 * The one request shape every system under test gets, and the one answer it must give.
 * The mock answers `mock answer: <text>`; an optional `[mock:delay=N]` adds provider latency.
 */
export const benchModel = "bench";
export const providerModel = "bench-model";

export function requestText(sequence: number): string {
  return `hello ${sequence}`;
}

export function userContent(sequence: number, providerDelayMs: number): string {
  return providerDelayMs > 0 ? `${requestText(sequence)} [mock:delay=${providerDelayMs}]` : requestText(sequence);
}

export function expectedAnswer(sequence: number): string {
  return `mock answer: ${requestText(sequence)}`;
}

export function agentRequest(requestId: string, sequence: number, providerDelayMs: number): Record<string, unknown> {
  return { request_id: requestId, model: benchModel, messages: [{ role: "user", content: userContent(sequence, providerDelayMs) }] };
}

/** Why a published response is not the right answer; undefined when it is. */
export function checkAgentResponse(value: unknown, requestId: string, sequence: number): string | undefined {
  const response = value as { request_id?: unknown; status?: unknown; message?: { content?: unknown }; error?: unknown } | null;
  if (response?.request_id !== requestId) return `request_id ${String(response?.request_id)} != ${requestId}`;
  if (response.status !== "complete") return `status ${String(response.status)} (${String(response.error ?? "")})`;
  if (response.message?.content !== expectedAnswer(sequence)) return `content ${JSON.stringify(response.message?.content)}`;
  return undefined;
}

/** Same check for an OpenAI chat.completion returned by the HTTP door. */
export function checkChatCompletion(value: unknown, sequence: number): string | undefined {
  const body = value as { object?: unknown; choices?: { message?: { content?: unknown } }[] } | null;
  const content = body?.choices?.[0]?.message?.content;
  if (content !== expectedAnswer(sequence)) return `content ${JSON.stringify(content)} (object ${String(body?.object)})`;
  return undefined;
}
