import { describe, expect, it } from "vitest";
import { inferGeminiToolIndex, inferToolIndex, type ToolIndexDelta, type ToolIndexState } from "../../src/providers/provider-adapters.ts";

const empty: ToolIndexState = { lastIndex: -1, calls: new Map() };
// Two calls so far, the last delta went to index 0 (interleaved streams do that).
const two: ToolIndexState = {
  lastIndex: 0,
  calls: new Map([
    [0, { id: "call_a", name: "get_weather" }],
    [2, { id: "call_b", name: "get_time" }],
  ]),
};
const nameless: ToolIndexState = { lastIndex: 0, calls: new Map([[0, { id: "", name: "" }]]) };

describe("generic stream index inference", () => {
  it.each<[string, ToolIndexDelta, ToolIndexState, number]>([
    ["explicit index wins", { index: 5, id: "call_x" }, two, 5],
    ["explicit 0 is explicit", { index: 0 }, two, 0],
    ["first call without index or id", {}, empty, 0],
    ["first call with an id", { id: "call_a" }, empty, 0],
    ["new id ⇒ max + 1, not last + 1", { id: "call_new" }, two, 3],
    ["no id ⇒ continues the last call", { function: { name: "" } }, two, 0],
    ["empty id ⇒ continues the last call", { id: "" }, two, 0],
    ["a known id maps back to its call", { id: "call_b" }, two, 2],
    ["a name without id still continues (generic)", { function: { name: "get_time" } }, two, 0],
  ])("%s", (_name, delta, state, expected) => {
    expect(inferToolIndex(delta, state)).toBe(expected);
  });
});

describe("gemini stream index inference", () => {
  it.each<[string, ToolIndexDelta, ToolIndexState, number]>([
    ["explicit index wins", { index: 1 }, two, 1],
    ["new id ⇒ max + 1", { id: "function-call-9" }, two, 3],
    ["first call", { function: { name: "get_weather" } }, empty, 0],
    ["a whole call without id or index is a new call", { function: { name: "get_weather" } }, two, 3],
    ["a name after a nameless start continues it", { function: { name: "get_weather" } }, nameless, 0],
    ["an argument fragment continues", {}, two, 0],
  ])("%s", (_name, delta, state, expected) => {
    expect(inferGeminiToolIndex(delta, state)).toBe(expected);
  });
});
