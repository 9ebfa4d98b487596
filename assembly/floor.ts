// Benchmark floors, in a module of their own (build/floor.wasm) so that the shipped engine does not carry
// them: bench/run.mjs times every scenario against these passes over the same logits.
export { configure, offsetOf } from "./layout";
import { ptr, F_LOGITS, F_EXP } from "./layout";
import { expPass } from "./kernels";

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

/** Benchmark baseline: one SIMD exp-and-sum pass over the first n logits (stored to the exp buffer). */
export function baselineExpSum(n: i32, mx: f32): f64 {
  return expPass(ptr(F_LOGITS), ptr(F_EXP), n, mx, 1, -3.4028234663852886e38, false);
}
