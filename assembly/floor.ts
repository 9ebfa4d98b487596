// Benchmark floors, in a module of their own (build/floor.wasm) so that the shipped engine does not carry
// them: bench/run.mjs times every scenario against these passes over the same logits.
export { configure, offsetOf } from "./layout";
// the engine's f64 exp and ln, exported here (outside the shipped module) for test/math.test.ts
export { exp64, log64 } from "./math";
import { ptr, F_LOGITS, F_EXP } from "./layout";
import { expPass, expSetup, exp2, exp2In, hsum, EXP_K, LOWEST } from "./kernels";

/** Benchmark floor: a 4-accumulator f32x4.pmax pass over the first n logits (n a multiple of 16). */
export function baselineMax(n: i32): f32 {
  const p = ptr(F_LOGITS);
  let m0 = f32x4.splat(-Infinity),
    m1 = m0,
    m2 = m0,
    m3 = m0;
  const end = p + ((<usize>n) << 2);
  for (let q = p; q < end; q += 64) {
    m0 = f32x4.pmax(m0, v128.load(q));
    m1 = f32x4.pmax(m1, v128.load(q, 16));
    m2 = f32x4.pmax(m2, v128.load(q, 32));
    m3 = f32x4.pmax(m3, v128.load(q, 48));
  }
  const m = f32x4.pmax(f32x4.pmax(m0, m1), f32x4.pmax(m2, m3));
  return max(
    max(f32x4.extract_lane(m, 0), f32x4.extract_lane(m, 1)),
    max(f32x4.extract_lane(m, 2), f32x4.extract_lane(m, 3)),
  );
}

/**
 * Benchmark floor: the fastest exp-and-sum pass over the first n logits we can write, sum of exp(x - mx)
 * without storing: the engine's exp2 kernel (fewer operations and live vectors than rr2-p5 with the scale
 * folded in), every vector loaded once before the loop, 4 vectors per iteration into 4 independent
 * accumulators, no threshold, no blocks. Every exp-bound scenario is measured against pmax + this.
 */
export function baselineExpSum(n: i32, mx: f32): f64 {
  const p = ptr(F_LOGITS);
  expSetup(mx, 1);
  const L = v128.load(EXP_K),
    m4 = v128.load(EXP_K, 16),
    C = v128.load(EXP_K, 32);
  const magic = v128.load(EXP_K, 48),
    c1 = v128.load(EXP_K, 64),
    c2 = v128.load(EXP_K, 80);
  const c3 = v128.load(EXP_K, 96),
    c4 = v128.load(EXP_K, 112),
    c5 = v128.load(EXP_K, 128);
  let a0 = f32x4.splat(0),
    a1 = a0,
    a2 = a0,
    a3 = a0;
  const end = p + ((<usize>n) << 2);
  for (let q = p; q < end; q += 64) {
    a0 = f32x4.add(a0, exp2(exp2In(v128.load(q), m4, L, C), magic, c1, c2, c3, c4, c5));
    a1 = f32x4.add(a1, exp2(exp2In(v128.load(q, 16), m4, L, C), magic, c1, c2, c3, c4, c5));
    a2 = f32x4.add(a2, exp2(exp2In(v128.load(q, 32), m4, L, C), magic, c1, c2, c3, c4, c5));
    a3 = f32x4.add(a3, exp2(exp2In(v128.load(q, 48), m4, L, C), magic, c1, c2, c3, c4, c5));
  }
  return <f64>hsum(f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3)));
}

/** The engine's own exp pass (stores, threshold mask), for comparison with the floor above. */
export function engineExpSum(n: i32, mx: f32): f64 {
  return expPass(ptr(F_LOGITS), ptr(F_EXP), n, mx, 1, LOWEST, false);
}
