// Dense passes over f32 buffers whose length is a multiple of 32 (padding holds -inf or 0).
import { BLOCK } from "./layout";
// Each loop reads several vectors per iteration into independent accumulators; constants are loaded from
// static data once per call because Binaryen re-materialises v128.const inside loops (and V8 a splat).

// The exp kernel's vectors, loaded by every exp pass before its loop. Rows 0 and 1 are per call (expSetup:
// L = s * log2(e) and the max; V8 re-materialises a splat inside a loop, a loaded vector it keeps), then the
// clamp (-127: exp2 of it is exactly 0), the magic bias (1.5 * 2^23 + 127: rounding and exponent bias in one
// add), and a degree-5 polynomial with 2^f ~ 1 + f q(f) on |f| <= 1/2 (relative error 3e-7, fitted here).
// The last row is a threshold (expGather's, maxGather's, expPass's mask), stored per call for the same reason.
// biome-ignore format: one row per vector, four lanes each
export const EXP_K: usize = memory.data<f32>([
  0, 0, 0, 0,
  0, 0, 0, 0,
  -127, -127, -127, -127,
  12583039.0, 12583039.0, 12583039.0, 12583039.0,
  0.69314605, 0.69314605, 0.69314605, 0.69314605,
  0.240221, 0.240221, 0.240221, 0.240221,
  0.055516325, 0.055516325, 0.055516325, 0.055516325,
  0.0096784644, 0.0096784644, 0.0096784644, 0.0096784644,
  0.0013055693, 0.0013055693, 0.0013055693, 0.0013055693,
  0, 0, 0, 0,
], 16);

/** Writes EXP_K's per-call rows for exp((x - mx) * s); returns L = s * log2(e) as the rows hold it. */
export function expSetup(mx: f32, s: f64): f32 {
  const L = <f32>(s * Math.LOG2E);
  v128.store(EXP_K, f32x4.splat(L));
  v128.store(EXP_K, f32x4.splat(mx), 16);
  return L;
}

// Caps for a 4-bit nibble of an allowed-token word: lane j is +Infinity when bit j is set, else -Infinity, so
// that pmin(x, cap) keeps an allowed x and makes a disallowed one -inf in one operation.
// biome-ignore format: one row per pair of nibbles
const NIBBLE_CAPS: usize = memory.data<f32>([
  -Infinity, -Infinity, -Infinity, -Infinity, Infinity, -Infinity, -Infinity, -Infinity,
  -Infinity, Infinity, -Infinity, -Infinity, Infinity, Infinity, -Infinity, -Infinity,
  -Infinity, -Infinity, Infinity, -Infinity, Infinity, -Infinity, Infinity, -Infinity,
  -Infinity, Infinity, Infinity, -Infinity, Infinity, Infinity, Infinity, -Infinity,
  -Infinity, -Infinity, -Infinity, Infinity, Infinity, -Infinity, -Infinity, Infinity,
  -Infinity, Infinity, -Infinity, Infinity, Infinity, Infinity, -Infinity, Infinity,
  -Infinity, -Infinity, Infinity, Infinity, Infinity, -Infinity, Infinity, Infinity,
  -Infinity, Infinity, Infinity, Infinity, Infinity, Infinity, Infinity, Infinity,
], 16);

/** Set by maxPass/maskCopy: the pass saw NaN or +Infinity (or a sum that overflowed; callers rescan). */
export let suspect: bool = false;

@inline function hmax(v: v128): f32 {
  return max(
    max(f32x4.extract_lane(v, 0), f32x4.extract_lane(v, 1)),
    max(f32x4.extract_lane(v, 2), f32x4.extract_lane(v, 3)),
  );
}

@inline export function hsum(v: v128): f32 {
  return f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) + (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
}

@inline function hmaxS(v: v128): i32 {
  const a = i32x4.max_s(v, v128.shuffle<i32>(v, v, 2, 3, 0, 1));
  return i32x4.extract_lane(i32x4.max_s(a, v128.shuffle<i32>(a, a, 1, 0, 3, 2)), 0);
}

/**
 * Max of n floats, and the max of each BLOCK-float block into `blocks`; sets `suspect` when a NaN or +Infinity
 * is present. The pass reads the floats as integers: the bits of floats >= +0 order as i32 the way the floats
 * do (+Infinity and positive NaNs above every finite one), so a signed max finds the max of the non-negative
 * values, and an unsigned max finds negative NaNs (the only bits above -Infinity's). (A float max with a
 * NaN-catching sum took 2.8 us at 32,000 on AMD Zen 3, where the two share the float adders; these two integer
 * maxima 1.9 us, the bare float max 1.5 us.) A block with no value >= +0 records -0, an upper bound (what its
 * readers need: gather skips blocks below a threshold, firstIndexOf looks for the max); when no value is >= +0
 * at all, maxGather's float pass finds the max and exact block maxima.
 */
export function maxPass(p: usize, n: i32, blocks: usize): f32 {
  let g = i32x4.splat(i32.MIN_VALUE),
    u0 = i32x4.splat(0),
    u1 = u0;
  const end = p + ((<usize>n) << 2);
  let bp = blocks;
  for (let b = p; b < end; b += (<usize>BLOCK) << 2) {
    let s0 = i32x4.splat(i32.MIN_VALUE),
      s1 = s0;
    const bend = min(b + ((<usize>BLOCK) << 2), end);
    for (let q = b; q < bend; q += 128) {
      const v0 = v128.load(q),
        v1 = v128.load(q, 16),
        v2 = v128.load(q, 32),
        v3 = v128.load(q, 48);
      const v4 = v128.load(q, 64),
        v5 = v128.load(q, 80),
        v6 = v128.load(q, 96),
        v7 = v128.load(q, 112);
      s0 = i32x4.max_s(s0, i32x4.max_s(i32x4.max_s(v0, v1), i32x4.max_s(v2, v3)));
      s1 = i32x4.max_s(s1, i32x4.max_s(i32x4.max_s(v4, v5), i32x4.max_s(v6, v7)));
      u0 = i32x4.max_u(u0, i32x4.max_u(i32x4.max_u(v0, v1), i32x4.max_u(v2, v3)));
      u1 = i32x4.max_u(u1, i32x4.max_u(i32x4.max_u(v4, v5), i32x4.max_u(v6, v7)));
    }
    const s = i32x4.max_s(s0, s1);
    const bm = hmaxS(s);
    store<i32>(bp, bm < 0 ? i32.MIN_VALUE : bm); // -0 where the block has no value >= +0
    bp += 4;
    g = i32x4.max_s(g, s);
  }
  let u = i32x4.max_u(u0, u1);
  u = i32x4.max_u(u, v128.shuffle<i32>(u, u, 2, 3, 0, 1));
  u = i32x4.max_u(u, v128.shuffle<i32>(u, u, 1, 0, 3, 2));
  const sm = hmaxS(g);
  suspect = <u32>i32x4.extract_lane(u, 0) > 0xff800000 || sm >= 0x7f800000;
  if (sm >= 0) return reinterpret<f32>(sm);
  maxGather(p, n, blocks, Infinity, 0, 0); // its float max and exact block maxima (it gathers nothing)
  return gatherMax;
}

/** Bits of the 16 lanes of v0..v3 that are >= t, lane i of vector j at bit 4j + i. */
@inline function hits16(v0: v128, v1: v128, v2: v128, v3: v128, t: v128): i32 {
  return (
    i32x4.bitmask(f32x4.ge(v0, t)) |
    (i32x4.bitmask(f32x4.ge(v1, t)) << 4) |
    (i32x4.bitmask(f32x4.ge(v2, t)) << 8) |
    (i32x4.bitmask(f32x4.ge(v3, t)) << 12)
  );
}

/** Appends the tokens base + (each set bit of bits) to (outIdx, outVal from p); returns the new count. */
@inline function appendHits(bits: i32, base: i32, p: usize, outIdx: usize, outVal: usize, k: i32): i32 {
  while (bits != 0) {
    const i = base + ctz(bits);
    store<u32>(outIdx + ((<usize>k) << 2), i);
    store<f64>(outVal + ((<usize>k) << 3), <f64>load<f32>(p + ((<usize>i) << 2)));
    k++;
    bits &= bits - 1;
  }
  return k;
}

/** The max found by the last maxGather. */
export let gatherMax: f32 = 0;

/**
 * maxPass and gather(thr) in one read of the logits: the block maxima, the NaN check and the max (in
 * `gatherMax`), and every index with p[i] >= thr appended to (outIdx, outVal). Returns the count.
 */
export function maxGather(p: usize, n: i32, blocks: usize, thr: f32, outIdx: usize, outVal: usize): i32 {
  v128.store(EXP_K, f32x4.splat(thr), 144); // loaded: V8 re-materialises a splat inside the loop
  const t = v128.load(EXP_K, 144);
  let gm: f32 = -Infinity;
  let sum = f32x4.splat(0);
  const end = p + ((<usize>n) << 2);
  let bp = blocks;
  let k = 0;
  for (let b = p; b < end; b += (<usize>BLOCK) << 2) {
    let m = f32x4.splat(-Infinity);
    const bend = min(b + ((<usize>BLOCK) << 2), end);
    for (let q = b; q < bend; q += 128) {
      const v0 = v128.load(q),
        v1 = v128.load(q, 16),
        v2 = v128.load(q, 32),
        v3 = v128.load(q, 48);
      const v4 = v128.load(q, 64),
        v5 = v128.load(q, 80),
        v6 = v128.load(q, 96),
        v7 = v128.load(q, 112);
      // One compare on the local max of 32 floats; the per-lane work happens only on a hit. (32, not 16: the
      // running max and sum are chains of one operation per iteration.)
      const l = f32x4.pmax(
        f32x4.pmax(f32x4.pmax(v0, v1), f32x4.pmax(v2, v3)),
        f32x4.pmax(f32x4.pmax(v4, v5), f32x4.pmax(v6, v7)),
      );
      m = f32x4.pmax(m, l);
      sum = f32x4.add(
        sum,
        f32x4.add(f32x4.add(f32x4.add(v0, v1), f32x4.add(v2, v3)), f32x4.add(f32x4.add(v4, v5), f32x4.add(v6, v7))),
      );
      if (v128.any_true(f32x4.ge(l, t)))
        k = appendHits(
          hits16(v0, v1, v2, v3, t) | (hits16(v4, v5, v6, v7, t) << 16),
          <i32>((q - p) >> 2),
          p,
          outIdx,
          outVal,
          k,
        );
    }
    const bm = hmax(m);
    store<f32>(bp, bm);
    bp += 4;
    gm = max(gm, bm);
  }
  gatherMax = gm;
  suspect = isNaN(hsum(sum)) || gatherMax == Infinity;
  return k;
}

/**
 * Per-block sums of e[i] over x[i] >= thr (exp values computed earlier for a lower threshold); returns
 * the total. Lets a later, higher threshold reuse one exp pass.
 */
export function maskedBlockSums(e: usize, x: usize, n: i32, blocks: usize, thr: f32): f64 {
  const t = f32x4.splat(thr);
  const end = e + ((<usize>n) << 2);
  let total: f64 = 0;
  let bp = blocks;
  let xp = x;
  for (let b = e; b < end; b += (<usize>BLOCK) << 2) {
    let a0 = f32x4.splat(0),
      a1 = a0;
    const bend = min(b + ((<usize>BLOCK) << 2), end);
    for (let q = b; q < bend; q += 32) {
      a0 = f32x4.add(a0, v128.and(v128.load(q), f32x4.ge(v128.load(xp), t)));
      a1 = f32x4.add(a1, v128.and(v128.load(q, 16), f32x4.ge(v128.load(xp, 16), t)));
      xp += 32;
    }
    const bs = hsum(f32x4.add(a0, a1));
    store<f32>(bp, bs);
    bp += 4;
    total += <f64>bs;
  }
  return total;
}

/** Inverse-CDF draw over the blocks maskedBlockSums left (weights e[i] where x[i] >= thr). */
export function drawMaskedBlocks(e: usize, x: usize, n: i32, blocks: usize, thr: f32, target: f64): i32 {
  const nb = (n + BLOCK - 1) / BLOCK;
  let acc: f64 = 0;
  let b = 0,
    last = -1;
  for (; b < nb; b++) {
    const bs = <f64>load<f32>(blocks + ((<usize>b) << 2));
    if (bs > 0) last = b;
    if (acc + bs > target) break;
    acc += bs;
  }
  if (b == nb) {
    b = last;
    acc = target;
  }
  if (b < 0) return -1;
  const start = b * BLOCK,
    len = min(BLOCK, n - start);
  let lastPos = -1;
  for (let j = 0; j < len; j++) {
    const i = start + j;
    const w = load<f32>(x + ((<usize>i) << 2)) >= thr ? <f64>load<f32>(e + ((<usize>i) << 2)) : 0;
    if (w > 0) lastPos = i;
    acc += w;
    if (acc > target && w > 0) return i;
  }
  return lastPos;
}

/** First index of x in n floats, using the block maxima maxPass left: one block is scanned, not the array. */
export function firstIndexOf(p: usize, n: i32, blocks: usize, x: f32): i32 {
  const nb = (n + BLOCK - 1) / BLOCK;
  for (let b = 0; b < nb; b++) {
    if (load<f32>(blocks + ((<usize>b) << 2)) == x) {
      const start = b * BLOCK;
      const i = findFirst(p + ((<usize>start) << 2), min(BLOCK, n - start), x);
      if (i >= 0) return start + i;
    }
  }
  return findFirst(p, n, x);
}

/** Index of the first NaN or +Infinity in n floats, or -1. */
export function findInvalid(p: usize, n: i32): i32 {
  for (let i = 0; i < n; i++) {
    const x = load<f32>(p + ((<usize>i) << 2));
    if (isNaN(x) || x == Infinity) return i;
  }
  return -1;
}

/** Index of the first element equal to x (lowest index wins ties), or -1. */
export function findFirst(p: usize, n: i32, x: f32): i32 {
  const t = f32x4.splat(x);
  const end = p + ((<usize>n) << 2);
  for (let q = p; q < end; q += 64) {
    const c0 = f32x4.eq(v128.load(q), t),
      c1 = f32x4.eq(v128.load(q, 16), t);
    const c2 = f32x4.eq(v128.load(q, 32), t),
      c3 = f32x4.eq(v128.load(q, 48), t);
    if (v128.any_true(v128.or(v128.or(c0, c1), v128.or(c2, c3)))) {
      const bits = i32x4.bitmask(c0) | (i32x4.bitmask(c1) << 4) | (i32x4.bitmask(c2) << 8) | (i32x4.bitmask(c3) << 12);
      return <i32>((q - p) >> 2) + ctz(bits);
    }
  }
  return -1;
}

/**
 * Appends to (outIdx, outVal) every i with p[i] >= thr, in index order; returns how many, or -1 as soon
 * as more than `limit` qualify (the caller then stays dense). With `bmax` (the block maxima of a max pass
 * over p, or upper bounds of them), blocks whose maximum is below thr are skipped.
 */
export function gather(
  p: usize,
  n: i32,
  thr: f32,
  outIdx: usize,
  outVal: usize,
  limit: i32 = i32.MAX_VALUE,
  bmax: usize = 0,
): i32 {
  const t = f32x4.splat(thr);
  const end = p + ((<usize>n) << 2);
  let k = 0;
  for (let b = p; b < end; b += (<usize>BLOCK) << 2) {
    if (bmax && load<f32>(bmax + (((b - p) / ((<usize>BLOCK) << 2)) << 2)) < thr) continue;
    const bend = min(b + ((<usize>BLOCK) << 2), end);
    for (let q = b; q < bend; q += 64) {
      const v0 = v128.load(q),
        v1 = v128.load(q, 16),
        v2 = v128.load(q, 32),
        v3 = v128.load(q, 48);
      // One compare on the local max of 16 floats; the per-lane work happens only on a hit.
      if (v128.any_true(f32x4.ge(f32x4.pmax(f32x4.pmax(v0, v1), f32x4.pmax(v2, v3)), t))) {
        k = appendHits(hits16(v0, v1, v2, v3, t), <i32>((q - p) >> 2), p, outIdx, outVal, k);
        if (k > limit) return -1;
      }
    }
  }
  return k;
}

/** Appends every i with lo <= p[i] < hi, in index order; returns how many. */
export function gatherRange(p: usize, n: i32, lo: f32, hi: f32, outIdx: usize, outVal: usize): i32 {
  const l4 = f32x4.splat(lo),
    h4 = f32x4.splat(hi);
  const end = p + ((<usize>n) << 2);
  let k = 0;
  for (let q = p; q < end; q += 32) {
    const v0 = v128.load(q),
      v1 = v128.load(q, 16);
    const c0 = v128.and(f32x4.ge(v0, l4), f32x4.lt(v0, h4)),
      c1 = v128.and(f32x4.ge(v1, l4), f32x4.lt(v1, h4));
    if (v128.any_true(v128.or(c0, c1))) {
      k = appendHits(i32x4.bitmask(c0) | (i32x4.bitmask(c1) << 4), <i32>((q - p) >> 2), p, outIdx, outVal, k);
    }
  }
  return k;
}

/** Mass (sum of e[i]) and count of the tokens with x[i] >= t_j, for four thresholds at once. */
export let aboveMass0: f64 = 0,
  aboveMass1: f64 = 0,
  aboveMass2: f64 = 0,
  aboveMass3: f64 = 0;
export let aboveCount0: i32 = 0,
  aboveCount1: i32 = 0,
  aboveCount2: i32 = 0,
  aboveCount3: i32 = 0;
export function massAbove(x: usize, e: usize, n: i32, t0: f32, t1: f32, t2: f32, t3: f32): void {
  const a = f32x4.splat(t0),
    b = f32x4.splat(t1),
    c = f32x4.splat(t2),
    d = f32x4.splat(t3);
  let ca = i32x4.splat(0),
    cb = ca,
    cc = ca,
    cd = ca;
  let fa: f64 = 0,
    fb: f64 = 0,
    fc: f64 = 0,
    fd: f64 = 0;
  const end = x + ((<usize>n) << 2);
  let ep = e;
  for (let blk = x; blk < end; blk += (<usize>BLOCK) << 2) {
    // f32 lanes within a block, f64 across blocks: the cut needs the mass accurate to ~1e-7
    let ma = f32x4.splat(0),
      mb = ma,
      mc = ma,
      md = ma;
    const bend = min(blk + ((<usize>BLOCK) << 2), end);
    for (let q = blk; q < bend; q += 16) {
      const v = v128.load(q),
        w = v128.load(ep);
      const ka = f32x4.ge(v, a),
        kb = f32x4.ge(v, b),
        kc = f32x4.ge(v, c),
        kd = f32x4.ge(v, d);
      ma = f32x4.add(ma, v128.and(w, ka));
      mb = f32x4.add(mb, v128.and(w, kb));
      mc = f32x4.add(mc, v128.and(w, kc));
      md = f32x4.add(md, v128.and(w, kd));
      ca = i32x4.sub(ca, ka);
      cb = i32x4.sub(cb, kb);
      cc = i32x4.sub(cc, kc);
      cd = i32x4.sub(cd, kd);
      ep += 16;
    }
    fa += <f64>hsum(ma);
    fb += <f64>hsum(mb);
    fc += <f64>hsum(mc);
    fd += <f64>hsum(md);
  }
  aboveMass0 = fa;
  aboveMass1 = fb;
  aboveMass2 = fc;
  aboveMass3 = fd;
  aboveCount0 = lanes(ca);
  aboveCount1 = lanes(cb);
  aboveCount2 = lanes(cc);
  aboveCount3 = lanes(cd);
}

/** The sum of an i32x4's four lanes. */
@inline export function lanes(v: v128): i32 {
  return i32x4.extract_lane(v, 0) + i32x4.extract_lane(v, 1) + i32x4.extract_lane(v, 2) + i32x4.extract_lane(v, 3);
}

/** For the value v: the mass (sum of e[i]) and count of tokens with x[i] > v, and how many equal v. */
export let beforeMass: f64 = 0;
export let beforeCount: i32 = 0;
export let tieCount: i32 = 0;
export function massBefore(x: usize, e: usize, n: i32, v: f32): void {
  const t = f32x4.splat(v);
  let c = i32x4.splat(0),
    ties = c;
  let total: f64 = 0;
  const end = x + ((<usize>n) << 2);
  let ep = e;
  for (let blk = x; blk < end; blk += (<usize>BLOCK) << 2) {
    let m0 = f32x4.splat(0),
      m1 = m0;
    const bend = min(blk + ((<usize>BLOCK) << 2), end);
    for (let q = blk; q < bend; q += 32) {
      const v0 = v128.load(q),
        v1 = v128.load(q, 16);
      const k0 = f32x4.gt(v0, t),
        k1 = f32x4.gt(v1, t);
      m0 = f32x4.add(m0, v128.and(v128.load(ep), k0));
      m1 = f32x4.add(m1, v128.and(v128.load(ep, 16), k1));
      c = i32x4.sub(i32x4.sub(c, k0), k1);
      ties = i32x4.sub(i32x4.sub(ties, f32x4.eq(v0, t)), f32x4.eq(v1, t));
      ep += 32;
    }
    total += <f64>hsum(f32x4.add(m0, m1));
  }
  beforeMass = total;
  beforeCount = lanes(c);
  tieCount = lanes(ties);
}

/** How many of n floats are >= thr. */
export function countGE(p: usize, n: i32, thr: f32): i32 {
  const t = f32x4.splat(thr);
  let c0 = i32x4.splat(0),
    c1 = c0;
  const end = p + ((<usize>n) << 2);
  for (let q = p; q < end; q += 32) {
    c0 = i32x4.sub(c0, f32x4.ge(v128.load(q), t));
    c1 = i32x4.sub(c1, f32x4.ge(v128.load(q, 16), t));
  }
  const c = i32x4.add(c0, c1);
  return lanes(c);
}

/**
 * m = max(-127, (x - mx) * L): the exponent in base 2, clamped where exp2 gives exactly 0 (-inf included);
 * NaN stays NaN (pmax keeps its first operand when either is NaN), so a sum of exp2 detects it.
 */
@inline export function exp2In(x: v128, m4: v128, L: v128, C: v128): v128 {
  return f32x4.pmax(f32x4.mul(f32x4.sub(x, m4), L), C);
}

/**
 * 2^m of 4 lanes -127 <= m <= 0: m = n + f (n = round(m), |f| <= 1/2, exact), 2^n from the exponent bits of
 * m + magic, 2^f from the polynomial; n = -127 gives 0. NaN gives NaN (only beam search's expGather lets it in).
 */
@inline export function exp2(m: v128, magic: v128, c1: v128, c2: v128, c3: v128, c4: v128, c5: v128): v128 {
  const z = f32x4.add(m, magic);
  const sc = i32x4.shl(z, 23);
  const f = f32x4.sub(m, f32x4.sub(z, magic));
  let q = f32x4.add(f32x4.mul(c5, f), c4);
  q = f32x4.add(f32x4.mul(q, f), c3);
  q = f32x4.add(f32x4.mul(q, f), c2);
  q = f32x4.add(f32x4.mul(q, f), c1);
  return f32x4.add(f32x4.mul(f32x4.mul(f, sc), q), sc);
}

/** The lowest float32: a threshold at or below it removes nothing but -inf (state.ts: "none removed"). */
export const LOWEST: f32 = -f32.MAX_VALUE;

/**
 * out[i] = p[i] >= thr ? exp((p[i] - mx) * s) : 0 for n floats; returns the sum (f32 lanes per BLOCK-float
 * block, f64 total), and writes each block's sum to `blocks` unless it is 0 (so a draw reads one block).
 * With wantMoment, also stores sum of out[i] * (p[i] - mx) in `moment` (for entropies).
 */
export let moment: f64 = 0;
export function expPass(
  p: usize,
  out: usize,
  n: i32,
  mx: f32,
  s: f64,
  thr: f32,
  wantMoment: bool,
  blocks: usize = 0,
): f64 {
  const l = expSetup(mx, s);
  const L = v128.load(EXP_K),
    m4 = v128.load(EXP_K, 16),
    C = v128.load(EXP_K, 32);
  const magic = v128.load(EXP_K, 48),
    c1 = v128.load(EXP_K, 64),
    c2 = v128.load(EXP_K, 80);
  const c3 = v128.load(EXP_K, 96),
    c4 = v128.load(EXP_K, 112),
    c5 = v128.load(EXP_K, 128);
  v128.store(EXP_K, f32x4.splat(thr), 144); // read where it is used: one register fewer for the loop
  const masked = thr > LOWEST,
    plain = !wantMoment && !masked;
  let b0 = f32x4.splat(0);
  const end = p + ((<usize>n) << 2);
  const d = out - p;
  let total: f64 = 0;
  let bp = blocks;
  for (let b = p; b < end; b += (<usize>BLOCK) << 2) {
    let a0 = f32x4.splat(0),
      a1 = a0;
    const bend = min(b + ((<usize>BLOCK) << 2), end);
    if (plain) {
      // no threshold, no moment: no compare
      for (let q = b; q < bend; q += 32) {
        const e0 = exp2(exp2In(v128.load(q), m4, L, C), magic, c1, c2, c3, c4, c5);
        const e1 = exp2(exp2In(v128.load(q, 16), m4, L, C), magic, c1, c2, c3, c4, c5);
        v128.store(q + d, e0);
        v128.store(q + d, e1, 16);
        a0 = f32x4.add(a0, e0);
        a1 = f32x4.add(a1, e1);
      }
    } else {
      // the moment in base-2 units: sum e * m, m clamped (finite: a -inf lane adds 0 * -127); with a
      // threshold the lanes below it are masked (no compare without one)
      for (let q = b; q < bend; q += 32) {
        const v0 = v128.load(q),
          v1 = v128.load(q, 16);
        const m0 = exp2In(v0, m4, L, C),
          m1 = exp2In(v1, m4, L, C);
        let e0 = exp2(m0, magic, c1, c2, c3, c4, c5),
          e1 = exp2(m1, magic, c1, c2, c3, c4, c5);
        if (masked) {
          const t4 = v128.load(EXP_K, 144);
          e0 = v128.and(e0, f32x4.ge(v0, t4));
          e1 = v128.and(e1, f32x4.ge(v1, t4));
        }
        v128.store(q + d, e0);
        v128.store(q + d, e1, 16);
        // one accumulator each: fewer live vectors than the plain loop's pair (V8 kept three on the stack)
        a0 = f32x4.add(a0, f32x4.add(e0, e1));
        b0 = f32x4.add(b0, f32x4.add(f32x4.mul(e0, m0), f32x4.mul(e1, m1)));
      }
    }
    const bs = hsum(f32x4.add(a0, a1));
    if (blocks) {
      store<f32>(bp, bs);
      bp += 4;
    }
    total += <f64>bs;
  }
  moment = <f64>hsum(b0) / <f64>l;
  return total;
}

/** Set by expGather: its sum of exp(x - m0) (the max of the tokens it gathered goes to gatherMax). */
export let gatherSum: f64 = 0;

/**
 * Beam search's one read of a row: gather(thr), the max of the tokens gathered in gatherMax (the row's max
 * when thr is at most it), and sum of exp(x - m0) into gatherSum (NaN when a NaN or +inf is present: its NaN
 * check; the caller redoes the sum when the max lies far above m0). Returns the count.
 */
export function expGather(p: usize, n: i32, m0: f32, thr: f32, outIdx: usize, outVal: usize): i32 {
  expSetup(m0, 1);
  const L = v128.load(EXP_K),
    m4 = v128.load(EXP_K, 16),
    C = v128.load(EXP_K, 32);
  const magic = v128.load(EXP_K, 48),
    c1 = v128.load(EXP_K, 64),
    c2 = v128.load(EXP_K, 80);
  const c3 = v128.load(EXP_K, 96),
    c4 = v128.load(EXP_K, 112),
    c5 = v128.load(EXP_K, 128);
  v128.store(EXP_K, f32x4.splat(thr), 144);
  const t = v128.load(EXP_K, 144);
  let g = f32x4.splat(-Infinity);
  const end = p + ((<usize>n) << 2);
  let k = 0;
  let total: f64 = 0;
  // f32 sums per BLOCK-float block, an f64 total (one f32 sum over a row loses 1e-5 of it)
  for (let b = p; b < end; b += (<usize>BLOCK) << 2) {
    let a = f32x4.splat(0);
    const bend = min(b + ((<usize>BLOCK) << 2), end);
    for (let q = b; q < bend; q += 64) {
      const v0 = v128.load(q),
        v1 = v128.load(q, 16),
        v2 = v128.load(q, 32),
        v3 = v128.load(q, 48);
      const l = f32x4.pmax(f32x4.pmax(v0, v1), f32x4.pmax(v2, v3));
      const e0 = exp2(exp2In(v0, m4, L, C), magic, c1, c2, c3, c4, c5),
        e1 = exp2(exp2In(v1, m4, L, C), magic, c1, c2, c3, c4, c5);
      const e2 = exp2(exp2In(v2, m4, L, C), magic, c1, c2, c3, c4, c5),
        e3 = exp2(exp2In(v3, m4, L, C), magic, c1, c2, c3, c4, c5);
      a = f32x4.add(a, f32x4.add(f32x4.add(e0, e1), f32x4.add(e2, e3)));
      // the hits re-read the 16 floats (from L1), so that fewer vectors stay live across the exp above
      if (v128.any_true(f32x4.ge(l, t))) {
        g = f32x4.pmax(g, l);
        const h = hits16(v128.load(q), v128.load(q, 16), v128.load(q, 32), v128.load(q, 48), t);
        k = appendHits(h, <i32>((q - p) >> 2), p, outIdx, outVal, k);
      }
    }
    total += <f64>hsum(a);
  }
  gatherMax = hmax(g);
  gatherSum = total;
  return k;
}

/** Multiplies n floats by k in place. */
export function scale(p: usize, n: i32, k: f32): void {
  const k4 = f32x4.splat(k);
  const end = p + ((<usize>n) << 2);
  for (let q = p; q < end; q += 16) v128.store(q, f32x4.mul(v128.load(q), k4));
}

/**
 * Inverse-CDF draw over n non-negative weights: the first index whose running sum exceeds target.
 * Falls back to the last positive weight when rounding leaves the target unreached.
 */
/** q = max(0, p - q) over n floats; returns its sum, accumulated as drawDense walks it. */
export function residualPass(p: usize, q: usize, n: i32): f64 {
  let acc: f64 = 0;
  const zero = f32x4.splat(0);
  const end = (<usize>n) << 2;
  for (let i: usize = 0; i < end; i += 16) {
    const r = f32x4.pmax(zero, f32x4.sub(v128.load(p + i), v128.load(q + i)));
    v128.store(q + i, r);
    acc += <f64>hsum(r);
  }
  return acc;
}

export function drawDense(p: usize, n: i32, target: f64): i32 {
  let acc: f64 = 0;
  const end = p + ((<usize>n) << 2);
  for (let q = p; q < end; q += 16) {
    const v = v128.load(q);
    const h = <f64>hsum(v);
    if (acc + h > target) {
      for (let j = 0; j < 4; j++) {
        const e = <f64>load<f32>(q + ((<usize>j) << 2));
        acc += e;
        if (acc > target && e > 0) return <i32>((q - p) >> 2) + j;
      }
    } else {
      acc += h;
    }
  }
  for (let i = n - 1; i >= 0; i--) if (load<f32>(p + ((<usize>i) << 2)) > 0) return i;
  return -1;
}

/**
 * dst = allowed ? src : -inf over n floats (n a multiple of 32), one mask bit per token; sets `suspect` when src
 * holds +Infinity or a positive NaN (a signed integer max, as in maxPass). Every NaN reaches dst as it is
 * (pmin keeps its first operand when either is NaN), where the max pass that follows finds it: only +Infinity
 * at a disallowed token would vanish there.
 */
export function maskCopy(src: usize, dst: usize, mask: usize, n: i32): void {
  let s0 = i32x4.splat(i32.MIN_VALUE);
  const end = src + ((<usize>n) << 2);
  let dp = dst,
    mp = mask;
  for (let sp = src; sp < end; mp += 4) {
    let w = load<u32>(mp);
    for (let j = 0; j < 4; j++) {
      const v0 = v128.load(sp),
        v1 = v128.load(sp, 16);
      s0 = i32x4.max_s(s0, i32x4.max_s(v0, v1));
      v128.store(dp, f32x4.pmin(v0, v128.load(NIBBLE_CAPS + ((<usize>(w & 15)) << 4))));
      v128.store(dp, f32x4.pmin(v1, v128.load(NIBBLE_CAPS + ((<usize>((w >>> 4) & 15)) << 4))), 16);
      w >>>= 8;
      sp += 32;
      dp += 32;
    }
  }
  suspect = hmaxS(s0) >= 0x7f800000;
}

/** Count, sum and sum of squares (f64) of (p[i] - shift) over the n floats with p[i] >= thr. */
export let momentCount: i32 = 0;
export let momentSum: f64 = 0;
export let momentSq: f64 = 0;
export function moments(p: usize, n: i32, thr: f32, shift: f32): void {
  const t = f32x4.splat(thr),
    sh = f32x4.splat(shift);
  let c = i32x4.splat(0);
  let s0 = f64x2.splat(0),
    s1 = s0,
    q0 = s0,
    q1 = s0;
  const end = p + ((<usize>n) << 2);
  for (let q = p; q < end; q += 16) {
    const v = v128.load(q);
    const k = f32x4.ge(v, t);
    c = i32x4.sub(c, k);
    const d = v128.and(f32x4.sub(v, sh), k);
    const lo = f64x2.promote_low_f32x4(d);
    const hi = f64x2.promote_low_f32x4(i32x4.shuffle(d, d, 2, 3, 0, 1));
    s0 = f64x2.add(s0, lo);
    s1 = f64x2.add(s1, hi);
    q0 = f64x2.add(q0, f64x2.mul(lo, lo));
    q1 = f64x2.add(q1, f64x2.mul(hi, hi));
  }
  momentCount = lanes(c);
  const s = f64x2.add(s0, s1),
    qq = f64x2.add(q0, q1);
  momentSum = f64x2.extract_lane(s, 0) + f64x2.extract_lane(s, 1);
  momentSq = f64x2.extract_lane(qq, 0) + f64x2.extract_lane(qq, 1);
}
