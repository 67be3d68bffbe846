import { describe, expect, it } from "vitest";
import { randomHex, uuidV7 } from "../../src/store/uuid-v7.ts";

const uuidV7Shape = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe("uuidV7", () => {
  it("is an RFC 9562 version 7 UUID whose first 48 bits are the millisecond", () => {
    const now = Date.UTC(2026, 10, 21, 10, 0, 0, 123);
    const id = uuidV7(now);
    expect(id).toMatch(uuidV7Shape);
    expect(Number.parseInt(id.slice(0, 8) + id.slice(9, 13), 16)).toBe(now);
  });

  it("increases within a millisecond and across them, and never repeats", () => {
    const ids: string[] = [];
    const start = Date.now() + 10_000;
    for (let ms = 0; ms < 5; ms += 1) for (let i = 0; i < 5_000; i += 1) ids.push(uuidV7(start + ms));
    for (const id of ids) expect(id).toMatch(uuidV7Shape);
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("uses every variant digit (two random bits after the RFC's 0b10)", () => {
    const variants = new Set(Array.from({ length: 400 }, () => uuidV7().charAt(19)));
    expect([...variants].sort()).toEqual(["8", "9", "a", "b"]);
  });
});

describe("randomHex", () => {
  it("gives the asked number of bytes as hex, different each time, across pool refills", () => {
    const values = Array.from({ length: 2_000 }, () => randomHex(8)); // 16 KB: the 4 KB pool refills
    for (const value of values) expect(value).toMatch(/^[0-9a-f]{16}$/);
    expect(new Set(values).size).toBe(values.length);
    expect(randomHex(16)).toMatch(/^[0-9a-f]{32}$/);
  });
});
