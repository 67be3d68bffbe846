/** The mock provider's control routes, over HTTP: for a mock running in another process. */

/** Queues `behaviours` for the next calls to `model` (POST /__mock/enqueue). */
export async function enqueueMock(mockUrl: string, model: string, behaviours: unknown[]): Promise<void> {
  const response = await fetch(`${mockUrl}/__mock/enqueue`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model, behaviours }),
  });
  if (!response.ok) throw new Error(`mock enqueue failed: ${response.status} ${await response.text()}`);
}

/** The chat requests the mock has received so far, oldest first (GET /__mock/requests). */
export async function mockRequests(mockUrl: string): Promise<Array<{ body: unknown; receivedAt: number }>> {
  const body = (await (await fetch(`${mockUrl}/__mock/requests`)).json()) as unknown[] | { requests: unknown[] };
  return (Array.isArray(body) ? body : body.requests) as Array<{ body: unknown; receivedAt: number }>;
}
