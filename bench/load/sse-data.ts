/**
 * The complete frames at the start of an SSE text, as their `data:` payloads, and the rest (an
 * incomplete frame, kept until more arrives). Enough for the OpenAI stream: one data line a frame.
 */
export function takeSseData(text: string): { readonly data: string[]; readonly rest: string } {
  const data: string[] = [];
  let start = 0;
  for (let end = text.indexOf("\n\n"); end !== -1; end = text.indexOf("\n\n", start)) {
    data.push(text.slice(start, end).replace(/^data: /, ""));
    start = end + 2;
  }
  return { data, rest: text.slice(start) };
}
