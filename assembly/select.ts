// Selection over the candidate arrays (id u32, value f64, weight f64, key f64), swapped together.
// Strict total orders, so partitions never degenerate on ties:
//   BY_VALUE: higher value first, then lower token id (the order "most likely first" everywhere here);
//   BY_KEY:   lower key first, then lower token id (typical sampling's distance from the entropy);
//   BY_ID:    lower token id first (the inverse-CDF order of every draw).
import { ptr, F_CAND_IDX, F_CAND_VAL, F_CAND_W, F_CAND_K } from "./layout";

export const BY_VALUE: i32 = 0;
export const BY_KEY: i32 = 1;
export const BY_ID: i32 = 2; // lower token id first: the order every draw walks, dense or candidates

@inline function idAt(i: i32): u32 {
  return load<u32>(ptr(F_CAND_IDX) + ((<usize>i) << 2));
}
@inline function valAt(i: i32): f64 {
  return load<f64>(ptr(F_CAND_VAL) + ((<usize>i) << 3));
}
@inline function wAt(i: i32): f64 {
  return load<f64>(ptr(F_CAND_W) + ((<usize>i) << 3));
}
@inline function keyAt(i: i32): f64 {
  return load<f64>(ptr(F_CAND_K) + ((<usize>i) << 3));
}

/** True when candidate a comes before candidate b in the given order (not inlined: 0.7 KB of wasm). */
function before(a: i32, b: i32, order: i32): bool {
  if (order == BY_VALUE) {
    const va = valAt(a),
      vb = valAt(b);
    return va > vb || (va == vb && idAt(a) < idAt(b));
  }
  if (order == BY_ID) return idAt(a) < idAt(b);
  const ka = keyAt(a),
    kb = keyAt(b);
  return ka < kb || (ka == kb && idAt(a) < idAt(b));
}

export function swap(a: i32, b: i32): void {
  const pi = ptr(F_CAND_IDX),
    pv = ptr(F_CAND_VAL),
    pw = ptr(F_CAND_W),
    pk = ptr(F_CAND_K);
  const oa4 = (<usize>a) << 2,
    ob4 = (<usize>b) << 2,
    oa8 = (<usize>a) << 3,
    ob8 = (<usize>b) << 3;
  const i = load<u32>(pi + oa4);
  store<u32>(pi + oa4, load<u32>(pi + ob4));
  store<u32>(pi + ob4, i);
  const v = load<f64>(pv + oa8);
  store<f64>(pv + oa8, load<f64>(pv + ob8));
  store<f64>(pv + ob8, v);
  const w = load<f64>(pw + oa8);
  store<f64>(pw + oa8, load<f64>(pw + ob8));
  store<f64>(pw + ob8, w);
  const k = load<f64>(pk + oa8);
  store<f64>(pk + oa8, load<f64>(pk + ob8));
  store<f64>(pk + ob8, k);
}

/** Median of three to position hi, then Lomuto partition of [lo, hi]; returns the pivot's final position. */
function partition(lo: i32, hi: i32, order: i32): i32 {
  const mid = lo + ((hi - lo) >> 1);
  if (before(mid, lo, order)) swap(mid, lo);
  if (before(hi, lo, order)) swap(hi, lo);
  if (before(mid, hi, order)) swap(mid, hi); // hi now holds the median of the three
  let store = lo;
  for (let i = lo; i < hi; i++) {
    if (before(i, hi, order)) {
      if (i != store) swap(i, store);
      store++;
    }
  }
  if (store != hi) swap(store, hi);
  return store;
}

/**
 * Weighted quickselect over the first n candidates: finds the first position j (in the order) whose
 * running weight, counted from the start, reaches target, and leaves positions [0, j] holding exactly
 * the first j + 1 candidates in the order (unsorted), position j the (j+1)-th. Expected O(n), no sort.
 * With unit = true every weight counts 1, so target k selects the k-th candidate.
 * Returns n - 1 when the whole weight falls short of target.
 */
export function wselect(n: i32, order: i32, target: f64, unit: bool): i32 {
  let lo = 0,
    hi = n - 1;
  let acc: f64 = 0;
  while (lo < hi) {
    const p = partition(lo, hi, order);
    let left: f64 = 0;
    if (unit) left = <f64>(p - lo);
    else for (let i = lo; i < p; i++) left += wAt(i);
    const here = unit ? 1.0 : wAt(p);
    if (acc + left >= target) {
      hi = p - 1;
    } else if (acc + left + here >= target) {
      return p;
    } else {
      acc += left + here;
      lo = p + 1;
    }
  }
  return lo;
}

/** Sorts candidates [lo, hi] in the order (quicksort, insertion sort below 16). */
export function sortRange(lo: i32, hi: i32, order: i32): void {
  while (hi - lo >= 16) {
    const p = partition(lo, hi, order);
    if (p - lo < hi - p) {
      sortRange(lo, p - 1, order);
      lo = p + 1;
    } else {
      sortRange(p + 1, hi, order);
      hi = p - 1;
    }
  }
  for (let i = lo + 1; i <= hi; i++) {
    let j = i;
    while (j > lo && before(j, j - 1, order)) {
      swap(j, j - 1);
      j--;
    }
  }
}

/** The r-th largest (0-based) of cnt values of type T (f32 or f64) at p, by quickselect; reorders them. */
export function nthLargest<T>(p: usize, cnt: i32, r: i32): T {
  const sh: usize = sizeof<T>() == 8 ? 3 : 2;
  let a = 0,
    b = cnt - 1;
  while (a < b) {
    const pv = load<T>(p + ((<usize>(a + ((b - a) >> 1))) << sh));
    let i = a,
      j = b;
    while (i <= j) {
      while (load<T>(p + ((<usize>i) << sh)) > pv) i++;
      while (load<T>(p + ((<usize>j) << sh)) < pv) j--;
      if (i <= j) {
        const t = load<T>(p + ((<usize>i) << sh));
        store<T>(p + ((<usize>i) << sh), load<T>(p + ((<usize>j) << sh)));
        store<T>(p + ((<usize>j) << sh), t);
        i++;
        j--;
      }
    }
    if (r <= j) b = j;
    else if (r >= i) a = i;
    else break;
  }
  return load<T>(p + ((<usize>r) << sh));
}

/** Keeps the candidates whose weight (used as a keep flag) is non-zero, in their current order; returns the new count. */
export function compactByFlag(n: i32): i32 {
  let k = 0;
  for (let i = 0; i < n; i++) {
    if (wAt(i) != 0) {
      if (i != k) swap(i, k);
      k++;
    }
  }
  return k;
}

/** Index of the best candidate in BY_VALUE order. */
export function argBest(n: i32): i32 {
  let b = 0;
  for (let i = 1; i < n; i++) if (before(i, b, BY_VALUE)) b = i;
  return b;
}

export { idAt, valAt, wAt, keyAt };
