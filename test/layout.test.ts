// The layout has one source, assembly/layout.ts; js/generated/layout.ts is generated from it at build time.
// These checks fail if the generated file is stale or a code is duplicated or out of its region.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import * as L from "../js/layout.js";
import { layoutConstants, layoutModule } from "../scripts/gen-layout.mjs";

const source = readFileSync(new URL("../assembly/layout.ts", import.meta.url), "utf8");
const constants = layoutConstants(source);
const group = (prefix: string) => constants.filter(([name]) => name.startsWith(prefix));

describe("memory layout and codes", () => {
  it("js/generated/layout.ts is what assembly/layout.ts generates", () => {
    expect(readFileSync(new URL("../js/generated/layout.ts", import.meta.url), "utf8")).toBe(layoutModule(source));
    for (const [name, value] of constants) expect((L as unknown as Record<string, number>)[name]).toBe(value);
  });

  it("no two fields, slots, ops, flags or errors share a number, and each fits its region", () => {
    const fields = group("F_").filter(([n]) => n !== "FIELD_COUNT");
    const ops = group("OP_").filter(([n]) => n !== "OP_FIRST_WARPER");
    for (const g of [fields, group("P_"), group("R_"), ops, group("FLAG_"), group("ERR_")]) {
      expect(new Set(g.map(([, v]) => v)).size).toBe(g.length);
    }
    expect(fields.every(([, v]) => v >= 0 && v < L.FIELD_COUNT)).toBe(true);
    expect(group("P_").every(([, v]) => v >= 0 && v < L.PARAM_SLOTS)).toBe(true);
    expect(group("R_").every(([, v]) => v >= 0 && v < L.RESULT_SLOTS)).toBe(true);
    expect(group("FLAG_").every(([, v]) => v > 0 && (v & (v - 1)) === 0)).toBe(true);
    expect(group("ERR_").every(([, v]) => v < 0)).toBe(true);
  });

  it("a line the generator cannot read is an error, not a skipped constant", () => {
    expect(() => layoutConstants("export const P_X: i32 = 1 + 2;")).toThrow(/cannot read the constant/);
    expect(() => layoutConstants("export const P_Y: f64 = 1;")).toThrow(/cannot read the constant/);
  });
});
