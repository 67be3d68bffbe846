import { describe, expect, it } from "vitest";
import { takeSseData } from "../../bench/load/sse-data.ts";

describe("takeSseData (the bench's SSE reader)", () => {
  it("returns the payloads of complete frames and keeps an incomplete one for later", () => {
    expect(takeSseData('data: {"a":1}\n\ndata: [DONE]\n\n')).toEqual({ data: ['{"a":1}', "[DONE]"], rest: "" });
    const first = takeSseData('data: {"a":1}\n\ndata: {"b"');
    expect(first).toEqual({ data: ['{"a":1}'], rest: 'data: {"b"' });
    expect(takeSseData(`${first.rest}:2}\n\n`)).toEqual({ data: ['{"b":2}'], rest: "" });
    expect(takeSseData("")).toEqual({ data: [], rest: "" });
  });
});
