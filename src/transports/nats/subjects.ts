/** The subjects modelbus uses, all under one configurable prefix (default "agent"). */
export interface Subjects {
  readonly all: string;
  readonly requests: string;
  response(requestId: string): string;
  stream(requestId: string): string;
}

/** Request ids become subject tokens; characters NATS treats specially are replaced. */
export function subjectToken(requestId: string): string {
  return requestId.replace(/[\s.*>]/g, "_");
}

export function subjectsFor(prefix: string): Subjects {
  return {
    all: `${prefix}.>`,
    requests: `${prefix}.request.>`,
    response: (requestId) => `${prefix}.response.${subjectToken(requestId)}`,
    stream: (requestId) => `${prefix}.stream.${subjectToken(requestId)}`,
  };
}
