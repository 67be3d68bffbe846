import { describe, expect, it } from "vitest";
import { extractThinkTags } from "../../src/providers/think-tags/extract-think-tags.ts";
import { ThinkTagSplitter } from "../../src/providers/think-tags/think-tag-splitter.ts";

describe("extractThinkTags (non-streaming, docs/nats-contract.md, Streaming)", () => {
  it.each([
    ["no tags come back untouched, spaces too", "  plain answer  ", "", "  plain answer  ", ""],
    ["a leading block", "<think>plan</think>Answer", "", "Answer", "plan"],
    ["whitespace before a tag goes with it", "Hello <think>x</think> world", "", "Hello world", "x"],
    ["inner text and result are trimmed", "<think>\n  a  \n</think>\n\nAnswer\n", "", "Answer", "a"],
    ["blocks join with a newline", "<think>a</think>mid<think>b</think>end", "", "midend", "a\nb"],
    ["multi-line thoughts ((?s) flag)", "<think>line 1\nline 2</think>ok", "", "ok", "line 1\nline 2"],
    ["an empty block adds nothing", "<think></think>Answer", "", "Answer", ""],
    ["empty blocks leave no stray separators", "<think> </think>x <think>y</think><think>\n</think>", "", "x", "y"],
    ["appends to existing reasoning", "<think>b</think>c", "a", "c", "a\nb"],
    ["an empty block keeps existing reasoning as is", "<think></think>c", "a", "c", "a"],
    ["an unclosed block stays content", "Answer <think>never closed", "r", "Answer <think>never closed", "r"],
    ["closed blocks go, a later unclosed one stays", "<think>a</think>b <think>c", "", "b <think>c", "a"],
    ["uppercase tags are not tags", "<THINK>x</THINK>y", "", "<THINK>x</THINK>y", ""],
    ["the first </think> closes (no nesting)", "<think>a<think>b</think>c</think>d", "", "c</think>d", "a<think>b"],
  ])("%s", (_name, content, existing, expectedContent, expectedReasoning) => {
    expect(extractThinkTags(content, existing)).toEqual({ content: expectedContent, reasoning: expectedReasoning });
  });

  it("defaults existing reasoning to empty", () => {
    expect(extractThinkTags("<think>r</think>c")).toEqual({ content: "c", reasoning: "r" });
  });
});

function splitAll(pieces: readonly string[]): { content: string; reasoning: string; unclosed: boolean } {
  const splitter = new ThinkTagSplitter();
  let content = "";
  let reasoning = "";
  for (const piece of pieces) {
    const out = splitter.push(piece);
    content += out.content;
    reasoning += out.reasoning;
  }
  const end = splitter.end();
  return { content: content + end.content, reasoning: reasoning + end.reasoning, unclosed: end.unclosed };
}

describe("ThinkTagSplitter (streaming)", () => {
  const text = "<think>\nCompare 2 < 3.\n</think>\n\nYes: 2 < 3 and 1 << 3. <b>ok</b> <thinking";
  const expected = {
    content: "\n\nYes: 2 < 3 and 1 << 3. <b>ok</b> <thinking",
    reasoning: "\nCompare 2 < 3.\n",
    unclosed: false,
  };

  it("routes a whole answer in one delta, without trimming", () => {
    expect(splitAll([text])).toEqual(expected);
    expect(splitAll(["Hello <think>x</think> world"])).toEqual({ content: "Hello  world", reasoning: "x", unclosed: false });
  });

  it("gives the same result fed one character at a time", () => {
    expect(splitAll([...text])).toEqual(expected);
  });

  it("gives the same result cut at every pair of positions", () => {
    for (let first = 0; first <= text.length; first++) {
      for (let second = first; second <= text.length; second++) {
        const pieces = [text.slice(0, first), text.slice(first, second), text.slice(second)];
        expect(splitAll(pieces), `cut at ${first}/${second}`).toEqual(expected);
      }
    }
  });

  it("holds back a partial tag until the next delta decides", () => {
    const splitter = new ThinkTagSplitter();
    expect(splitter.push("a <thi")).toEqual({ content: "a ", reasoning: "" });
    expect(splitter.push("nk>b</th")).toEqual({ content: "", reasoning: "b" });
    expect(splitter.push("ink>c")).toEqual({ content: "c", reasoning: "" });
    expect(splitter.push("2 <")).toEqual({ content: "2 ", reasoning: "" });
    expect(splitter.push(" 3")).toEqual({ content: "< 3", reasoning: "" });
  });

  it("handles an empty block", () => {
    expect(splitAll(["<think>", "</think>", "x"])).toEqual({ content: "x", reasoning: "", unclosed: false });
  });

  it("flushes an unclosed block to reasoning and says so", () => {
    expect(splitAll(["<think>abc"])).toEqual({ content: "", reasoning: "abc", unclosed: true });
    expect(splitAll(["<think>abc</thi"])).toEqual({ content: "", reasoning: "abc</thi", unclosed: true });
  });

  it("flushes a trailing partial tag outside a block as content", () => {
    const splitter = new ThinkTagSplitter();
    expect(splitter.push("answer <thi")).toEqual({ content: "answer ", reasoning: "" });
    expect(splitter.end()).toEqual({ content: "<thi", reasoning: "", unclosed: false });
  });

  it("does not nest: the first </think> closes", () => {
    expect(splitAll(["<think>a<think>b</think>c</think>"])).toEqual({ content: "c</think>", reasoning: "a<think>b", unclosed: false });
  });

  it("ignores uppercase tags", () => {
    expect(splitAll(["<THINK>x</THINK>"])).toEqual({ content: "<THINK>x</THINK>", reasoning: "", unclosed: false });
  });
});
