// The engine's own f64 exp and ln (assembly/math.ts; exported for this test from build/floor.wasm, outside
// the shipped module) against V8's Math.exp and Math.log (fdlibm's, under 1 ulp): within 2 ulps on 200,000
// seeded arguments each, and exactly on the special values. Every logprob, weight and normaliser the engine
// computes in f64 goes through them.
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { rng } from "./helpers.js";

let exp64: (x: number) => number;
let log64: (x: number) => number;
beforeAll(async () => {
  const { instance } = await WebAssembly.instantiate(readFileSync(new URL("../build/floor.wasm", import.meta.url)));
  ({ exp64, log64 } = instance.exports as unknown as { exp64: typeof exp64; log64: typeof log64 });
});

const f = new Float64Array(1),
  u = new BigInt64Array(f.buffer);
/** The f64 values in order as integers, so that a difference counts the floats between two values. */
function ordinal(x: number): bigint {
  f[0] = x;
  const b = u[0]!;
  return b < 0n ? -(b & 0x7fffffffffffffffn) : b;
}
const ulps = (a: number, b: number) => (Object.is(a, b) ? 0 : Math.abs(Number(ordinal(a) - ordinal(b))));

describe("exp64 and log64", () => {
  it("exp64: within 2 ulps of Math.exp over [-750, 750], [-20, 20] and [-0.5, 0.5]", () => {
    const r = rng(7);
    let worst = 0;
    for (let i = 0; i < 200_000; i++) {
      const x = (r() - 0.5) * [1500, 40, 1][i % 3]!;
      worst = Math.max(worst, ulps(exp64(x), Math.exp(x)));
    }
    expect(worst).toBeLessThanOrEqual(2);
  });

  it("log64: within 2 ulps of Math.log over (0, MAX_VALUE], subnormals and [0.95, 1.05]", () => {
    const r = rng(8);
    let worst = 0;
    for (let i = 0; i < 200_000; i++) {
      const x = [Math.exp((r() - 0.5) * 1418), (r() + 1e-9) * 1e-310, 1 + (r() - 0.5) * 0.1][i % 3]!;
      worst = Math.max(worst, ulps(log64(x), Math.log(x)));
    }
    expect(worst).toBeLessThanOrEqual(2);
  });

  it("special values exactly as Math.exp and Math.log give them", () => {
    const same = (a: number, b: number) => expect(Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b))).toBe(true);
    for (const x of [0, -0, Infinity, -Infinity, NaN, 709.79, 710, -745.2, -746, 1e-300, -1e-300])
      same(exp64(x), Math.exp(x));
    for (const x of [0, -0, 1, -1, Infinity, -Infinity, NaN, -5e-324]) same(log64(x), Math.log(x));
    // the ends of the ranges: within an ulp
    for (const x of [709.78, -745.1, -708.4, 1, -1]) expect(ulps(exp64(x), Math.exp(x))).toBeLessThanOrEqual(1);
    for (const x of [5e-324, 2.2250738585072014e-308, Number.MAX_VALUE, Math.E, 1 + 2 ** -52, 1 - 2 ** -53])
      expect(ulps(log64(x), Math.log(x))).toBeLessThanOrEqual(1);
  });
});
