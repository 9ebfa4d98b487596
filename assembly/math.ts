// x ** y for the few places that need it (DRY's exponential penalty, dynamic temperature, mirostat, beam
// length penalties), as exp(y * ln x). The standard library's pow is 2 KB of the module, a seventh of it,
// for exactness nobody here needs: the relative error is about |y ln x| * 2^-53 plus an ulp or two, below
// 1e-13 for every argument these callers pass. Being wasm, it rounds the same on every runtime.
/** x ** y for x >= 0 (0 ** 0 = 1, 0 ** y = 0 for y > 0 and Infinity for y < 0). */
export function powPos(x: f64, y: f64): f64 {
  if (x == 0) return y == 0 ? 1 : y > 0 ? 0 : Infinity;
  if (y == 0 || x == 1) return 1;
  return exp64(y * log64(x));
}

// exp and ln in f64, small: the standard library's (musl's) took ~900 bytes of the module (~490 bytes of the
// gzipped bundle; these two cost ~330). Both reduce to a short interval and sum a Taylor series (exp by
// Estrin's scheme, ln by Horner's rule), its coefficients computed once at instantiation (the same bits on
// every runtime; literals would not compress). Measured against V8's Math.exp and Math.log
// (test/math.test.ts): within 2 ulps (1 seen on 10 million arguments each).
const LN2_HI: f64 = 6.9314718036912381649e-1; // ln 2's high 32 bits: k * LN2_HI is exact for |k| < 2^21
const LN2_LO: f64 = 1.90821492927058770002e-10; // ln 2 - LN2_HI
const EXP_C: usize = memory.data(14 << 3, 8); // 1 / n!, n = 0..13
const LOG_C: usize = memory.data(10 << 3, 8); // 2 / (2n + 1), n = 1..10
let fact: f64 = 1;
for (let i = 0; i < 14; i++) {
  if (i > 0) fact /= i;
  store<f64>(EXP_C + ((<usize>i) << 3), fact);
}
for (let i = 0; i < 10; i++) store<f64>(LOG_C + ((<usize>i) << 3), 2 / <f64>(2 * i + 3));

/**
 * e^x: x = k ln 2 + r with |r| <= ln 2 / 2 (Cody-Waite), e^r to degree 13 (truncation below 1e-17 of it), times
 * 2^k as two powers of two (each a normal number; a subnormal result rounds once, at the last product).
 */
export function exp64(x: f64): f64 {
  if (!(x > -745.2)) return isNaN(x) ? x : 0; // NaN stays NaN; -inf and what underflows give 0
  if (x > 709.8) return Infinity;
  const k = nearest(x * Math.LOG2E);
  const r = x - k * LN2_HI - k * LN2_LO;
  // Estrin's scheme (short dependency chains: the weights of a candidate loop overlap), coefficients at
  // immediate offsets (a loop over them cost a top-k call 5%)
  const r2 = r * r,
    r4 = r2 * r2;
  const c = EXP_C;
  const a1 = load<f64>(c, 32) + r * load<f64>(c, 40) + r2 * (load<f64>(c, 48) + r * load<f64>(c, 56));
  const a2 = load<f64>(c, 64) + r * load<f64>(c, 72) + r2 * (load<f64>(c, 80) + r * load<f64>(c, 88));
  const a3 = load<f64>(c, 96) + r * load<f64>(c, 104);
  // 1 + r (the first two coefficients, exact) added last: the rest's rounding stays below an ulp of the sum
  const p = 1 + (r + (r2 * (load<f64>(c, 16) + r * load<f64>(c, 24)) + r4 * (a1 + r4 * (a2 + r4 * a3))));
  const ki = <i32>k,
    k1 = ki >> 1;
  return p * reinterpret<f64>((<i64>(k1 + 1023)) << 52) * reinterpret<f64>((<i64>(ki - k1 + 1023)) << 52);
}

/**
 * ln x: x = m 2^e with m in [sqrt(1/2), sqrt(2)), ln m = 2 atanh(s) for s = (m - 1) / (m + 1), |s| <= 0.172,
 * its odd series to s^21 (truncation below 1e-18), then + e ln 2 in two parts.
 */
export function log64(x: f64): f64 {
  if (!(x > 0)) return x == 0 ? -Infinity : NaN;
  if (x == Infinity) return x;
  let b = reinterpret<i64>(x),
    e = <i32>(b >> 52) - 1023;
  if (e == -1023) {
    // subnormal: scale by 2^54 first
    b = reinterpret<i64>(x * 18014398509481984.0);
    e = <i32>(b >> 52) - 1077;
  }
  let m = reinterpret<f64>((b & 0xfffffffffffff) | 0x3ff0000000000000); // [1, 2)
  if (m > Math.SQRT2) {
    m *= 0.5;
    e++;
  }
  const f = m - 1; // exact
  const s = f / (2 + f),
    s2 = s * s;
  // 2 atanh(s) = 2s + s t with t = sum over n >= 1 of 2 s^2n / (2n + 1), and 2s = f - s f: ln m = f - s (f - t),
  // the exact f plus a correction whose rounding is far below an ulp of f
  let p = load<f64>(LOG_C, 72);
  p = p * s2 + load<f64>(LOG_C, 64);
  p = p * s2 + load<f64>(LOG_C, 56);
  p = p * s2 + load<f64>(LOG_C, 48);
  p = p * s2 + load<f64>(LOG_C, 40);
  p = p * s2 + load<f64>(LOG_C, 32);
  p = p * s2 + load<f64>(LOG_C, 24);
  p = p * s2 + load<f64>(LOG_C, 16);
  p = p * s2 + load<f64>(LOG_C, 8);
  p = p * s2 + load<f64>(LOG_C, 0);
  return <f64>e * LN2_HI + (f + (<f64>e * LN2_LO - s * (f - s2 * p)));
}
