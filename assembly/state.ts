// The state of one run() over the logits, and the helpers every transform shares.
//
// Two representations of the current distribution:
//   dense: every token of the logits buffer, with a lazy inverse temperature `s` and a lazy threshold
//          `lo` (keep x >= lo). Threshold transforms (min-p, epsilon, eta, top-n-sigma) cost no pass.
//   candidates: an explicit list (ids, f64 logits) gathered from the dense buffer by one SIMD compare
//          pass; every later transform works on the few survivors.
// Sparse processors (penalties, bias, bans) patch the logits in place; run() restores them at the end.
import {
  vocab,
  vpad,
  ptr,
  param,
  setResult,
  F_LOGITS,
  F_CAND_IDX,
  F_CAND_VAL,
  F_CAND_W,
  F_CAND_K,
  F_STAMP,
  F_RESTORE,
  F_SAMPLE,
  F_BLOCKS,
  BLOCK,
  F_EXP,
  SAMPLE_SLOTS,
  P_MIN_KEEP,
  P_LLAMA,
  R_ERROR_INDEX,
  R_ERROR_VALUE,
  ERR_INVALID_LOGIT,
  ERR_ALL_REMOVED,
} from "./layout";
import {
  maxPass,
  gatherMax,
  maxGather,
  findInvalid,
  gather,
  countGE,
  suspect,
  expPass,
  lanes,
  LOWEST,
} from "./kernels";
import { BY_VALUE, wselect, compactByFlag, idAt, valAt, wAt, nthLargest } from "./select";
import { exp64, log64 } from "./math";

export { LOWEST };

export let dense = true;
export let wPtr: usize = 0;
export let lo: f32 = LOWEST; // dense: tokens below lo are removed (LOWEST = none removed but -inf ones)
export let mx: f32 = 0; // dense: max logit, valid when mValid
export let mValid = false;
export let eValid = false; // dense: F_EXP holds exp((x - mx) * s) for every token >= the current lo
// dense, with eValid (only denseExp sets it, and nothing else writes the block sums before the finish):
// the sum of F_EXP, whose block sums are at blockSums(), and a logit below which every F_EXP value is 0
// (removed then, or too small for an f32 exp)
export let eZ: f64 = 0;
export let eCut: f32 = LOWEST;
/** Above this many survivors a thresholded dense distribution is drawn with SIMD passes, not as candidates. */
export const DENSE_FINISH_MIN: i32 = 2048;
export let s: f64 = 1; // inverse temperature, applied lazily
export let n = 0; // candidate count
export let nRestore = 0;
export let runFlags = 0;
export let lastOp = false; // the op being applied is the last of the program
export let epoch: u32 = 0;
export let err = 0;
/**
 * llama.cpp's rules: its candidate array keeps tokens whose logit is -inf (banned, masked, or masked by
 * top-n-sigma) until a truncation shrinks the array, and dynamic temperature and XTC count them. llamaSize
 * is that array's size where it is known (vocab at first, k after top-k); -1 means "the finite tokens kept,
 * but at least llamaFloor": a truncation that keeps minTokensToKeep keeps -inf tokens to reach it.
 */
export let llamaSize = -1;
export let llamaFloor = 0;

/** Resets the state for a run over `w` (a row of F_LOGITS). */
export function begin(w: usize, flags: i32): void {
  dense = true;
  manyAbove = LOWEST;
  wPtr = w;
  lo = LOWEST;
  mValid = false;
  eValid = false;
  s = 1;
  n = 0;
  nRestore = 0;
  err = 0;
  runFlags = flags;
  lastOp = false;
  llamaSize = llama() ? vocab : -1;
  llamaFloor = 0;
}

@inline export function setW(i: i32, v: f64): void {
  store<f64>(ptr(F_CAND_W) + ((<usize>i) << 3), v);
}
@inline export function setKey(i: i32, v: f64): void {
  store<f64>(ptr(F_CAND_K) + ((<usize>i) << 3), v);
}
@inline export function setVal(i: i32, v: f64): void {
  store<f64>(ptr(F_CAND_VAL) + ((<usize>i) << 3), v);
}
export function minKeep(): i32 {
  return <i32>param(P_MIN_KEEP);
}
/** llama.cpp's rules are on (order "llama.cpp"). */
export function llama(): bool {
  return param(P_LLAMA) != 0;
}

export function fail(code: i32, index: i32, value: f64): void {
  err = code;
  setResult(R_ERROR_INDEX, <f64>index);
  setResult(R_ERROR_VALUE, value);
}

/** Max of the dense buffer; validates it (NaN / +Infinity) and checks that something is left. */
export function ensureMax(): void {
  if (mValid) return;
  mx = maxPass(wPtr, vpad, ptr(F_BLOCKS));
  checkMax();
}

/** After a max pass: a NaN or +Infinity is an error naming its index, and so is a buffer with nothing left. */
export function checkMax(): void {
  if (suspect) {
    const i = findInvalid(wPtr, vocab);
    if (i >= 0) {
      fail(ERR_INVALID_LOGIT, i, <f64>load<f32>(wPtr + ((<usize>i) << 2)));
      return;
    }
  }
  if (mx == -Infinity) {
    fail(ERR_ALL_REMOVED, -1, 0);
    return;
  }
  mValid = true;
}

// ---- dense patches: in-place changes of a few logits, restored at the end of the run ----

export function patch(i: u32, v: f32): void {
  const a = wPtr + ((<usize>i) << 2);
  if (wPtr == ptr(F_LOGITS)) {
    const st = ptr(F_STAMP) + ((<usize>i) << 2);
    if (load<u32>(st) != epoch) {
      store<u32>(st, epoch);
      const r = ptr(F_RESTORE) + ((<usize>nRestore) << 3);
      store<u32>(r, i);
      store<f32>(r, load<f32>(a), 4);
      nRestore++;
    }
  }
  store<f32>(a, v);
}

/** The current logit of token i, or an error if the caller's value is NaN / +Infinity. */
export function current(i: u32): f32 {
  const x = load<f32>(wPtr + ((<usize>i) << 2));
  if (isNaN(x) || x == Infinity) fail(ERR_INVALID_LOGIT, <i32>i, <f64>x);
  return x;
}

export function restoreAll(): void {
  const l = ptr(F_LOGITS),
    r = ptr(F_RESTORE);
  for (let k = 0; k < nRestore; k++) {
    const e = r + ((<usize>k) << 3);
    store<f32>(l + ((<usize>load<u32>(e)) << 2), load<f32>(e, 4));
  }
  nRestore = 0;
}

/** Where exp passes write their block sums: after the block maxima in F_BLOCKS. */
export function blockSums(): usize {
  return ptr(F_BLOCKS) + ((<usize>(vpad / BLOCK + 1)) << 2);
}

/**
 * Every index with a kept logit >= thr into the candidate arrays (gather), skipping the blocks whose maximum
 * (from the max pass, while mValid) is below thr; -1 past `limit`.
 */
export function gatherKept(thr: f32, limit: i32 = i32.MAX_VALUE): i32 {
  return gather(wPtr, vpad, thr, ptr(F_CAND_IDX), ptr(F_CAND_VAL), limit, mValid ? ptr(F_BLOCKS) : 0);
}

/**
 * The exp pass over the dense buffer into F_EXP at the current threshold, with its block sums (and the
 * entropy's moment when asked); F_EXP stands until the logits, the max or s change. Returns the sum.
 */
export function denseExp(wantMoment: bool): f64 {
  const floor = floorThr();
  eZ = expPass(wPtr, ptr(F_EXP), vpad, mx, s, floor, wantMoment, blockSums());
  eValid = true;
  // below 127.5 in base 2 under the max every exp value is exactly 0 (the kernel's clamp at -127)
  eCut = max(floor, <f32>(<f64>mx - 127.5 / (s * Math.LOG2E)));
  return eZ;
}

// ---- moving from dense to candidates ----

@inline export function floorThr(): f32 {
  return lo > LOWEST ? lo : LOWEST;
}

// The sample of the logits that estimateThreshold and sampledAbove read: SAMPLE_SLOTS / 16 runs of 16
// consecutive logits spread evenly over the vocabulary (vocabularies over 4,096 only: the step is then at
// least 64). A run is one cache line, so the sample costs 64 memory reads, not 1,024 (single strided loads
// miss the cache one by one once the logits outgrow L2), and 1,024 values keep the estimate steady.
const SAMPLE_RUNS: i32 = SAMPLE_SLOTS >> 4;
@inline function sampleStep(): i32 {
  return (vocab / SAMPLE_RUNS) & ~15;
}

/**
 * A threshold expected to leave a little more than k tokens above it, from a sample of the logits; each
 * retry aims 4x wider, and the last gives the floor (every kept token). A vocabulary of 4,096 or fewer has no
 * sample: its first attempt is the exact k-th largest kept value where k <= 16 (one light pass over the
 * buffer), else the floor.
 */
export function estimateThreshold(k: i32, attempt: i32): f32 {
  const floor = floorThr();
  if (vocab <= 4096) return attempt == 0 && k <= 16 ? sampledSmall(16, k - 1, floor, vpad >> 4) : floor;
  if (attempt >= 3) return floor;
  const step = sampleStep();
  const want = (<i64>(2 * k + 64)) << (2 * attempt); // each sampled value stands for vocab / SAMPLE_SLOTS tokens
  const r64 = (want * <i64>SAMPLE_SLOTS) / <i64>vocab;
  if (r64 >= <i64>SAMPLE_SLOTS) return floor;
  const r = <i32>r64;
  if (r < 16) return sampledSmall(step, r, floor);
  const sp = ptr(F_SAMPLE);
  let cnt = 0;
  for (let j = 0; j < SAMPLE_RUNS; j++) {
    const a = wPtr + ((<usize>(j * step)) << 2);
    for (let i = 0; i < 16; i++) {
      const x = load<f32>(a + ((<usize>i) << 2));
      if (x >= floor) {
        store<f64>(sp + ((<usize>cnt) << 3), <f64>x); // f64: one quickselect instance serves every caller
        cnt++;
      }
    }
  }
  return r >= cnt ? floor : <f32>nthLargest<f64>(sp, cnt, r);
}

/**
 * How many kept tokens lie at or above thr, estimated from the sample estimateThreshold reads (0 for
 * vocabularies of 4,096 or fewer, where gathering them costs little anyway).
 */
export function sampledAbove(thr: f32): i32 {
  if (vocab <= 4096) return 0;
  const step = sampleStep();
  const t = f32x4.splat(thr);
  let c = i32x4.splat(0);
  for (let j = 0; j < SAMPLE_RUNS; j++) {
    const a = wPtr + ((<usize>(j * step)) << 2);
    c = i32x4.sub(
      c,
      i32x4.add(
        i32x4.add(f32x4.ge(v128.load(a), t), f32x4.ge(v128.load(a, 16), t)),
        i32x4.add(f32x4.ge(v128.load(a, 32), t), f32x4.ge(v128.load(a, 48), t)),
      ),
    );
  }
  return <i32>((<i64>lanes(c) * <i64>vocab) / <i64>SAMPLE_SLOTS);
}

/**
 * The r-th largest (0-based, r < 16) of the values at or above floor in `runs` runs of 16 floats `step`
 * apart (the sample's geometry by default; a small vocabulary passes the whole buffer), found while
 * reading: a sorted list of the best r + 1 so far. Once it is full, four SIMD compares find a run's values above its
 * last entry, and only those are looked at.
 */
function sampledSmall(step: i32, r: i32, floor: f32, runs: i32 = SAMPLE_RUNS): f32 {
  const top = ptr(F_SAMPLE);
  let m = 0;
  let bar: f32 = -Infinity; // the list's last entry once it is full
  for (let j = 0; j < runs; j++) {
    const a = wPtr + ((<usize>(j * step)) << 2);
    let bits = 0xffff; // the lanes to look at: all of them until the list is full, then those above its bar
    if (m > r) {
      const b = f32x4.splat(bar);
      bits =
        i32x4.bitmask(f32x4.gt(v128.load(a), b)) |
        (i32x4.bitmask(f32x4.gt(v128.load(a, 16), b)) << 4) |
        (i32x4.bitmask(f32x4.gt(v128.load(a, 32), b)) << 8) |
        (i32x4.bitmask(f32x4.gt(v128.load(a, 48), b)) << 12);
    }
    for (; bits != 0; bits &= bits - 1) {
      const x = load<f32>(a + ((<usize>ctz(bits)) << 2));
      if (!(x >= floor) || (m > r && x <= bar)) continue;
      let i = min(m, r);
      while (i > 0 && load<f32>(top + ((<usize>(i - 1)) << 2)) < x) {
        store<f32>(top + ((<usize>i) << 2), load<f32>(top + ((<usize>(i - 1)) << 2)));
        i--;
      }
      store<f32>(top + ((<usize>i) << 2), x);
      if (m <= r) m++;
      if (m > r) bar = load<f32>(top + ((<usize>r) << 2));
    }
  }
  return m > r ? bar : floor;
}

/** Gathers candidates so that, when at least k tokens are kept, all tokens tied with or above the k-th are in. */
export function gatherAtLeast(k: i32, firstAttempt: i32 = 0): i32 {
  const floor = floorThr();
  for (let attempt = firstAttempt; ; attempt++) {
    const thr = estimateThreshold(k, attempt);
    const c = gatherKept(thr);
    if (c >= k || thr <= floor) return c;
  }
  // biome-ignore lint/correctness/noUnreachable: AssemblyScript wants a return after the loop
  return 0;
}

/** Every kept token becomes a candidate. */
export function toCandidates(): void {
  n = gatherKept(floorThr());
  dense = false;
}

/** A threshold whose gather gave up in this run (more than DENSE_FINISH_MIN above it): not tried again. */
let manyAbove: f32 = LOWEST;

/**
 * Dense under a threshold that keeps few tokens (by the sample: at most 1/64 of the vocabulary, then a
 * gather that gives up past `limit`): they become candidates, so that what follows works on them and not on
 * the vocabulary (an exp pass over it for a few tokens, say).
 */
export function fewToCandidates(limit: i32): void {
  if (dense && lo > LOWEST && (limit == i32.MAX_VALUE || (lo != manyAbove && sampledAbove(lo) <= vocab >> 6))) {
    const c = gatherKept(lo, limit);
    if (c >= 0) {
      n = c;
      dense = false;
    } else manyAbove = lo;
  }
}

// ---- candidate helpers ----

export let cMax: f64 = 0;

/** Weights exp(s * (v - max)) of the candidates; returns their sum. */
export function candExp(): f64 {
  let m = -Infinity;
  for (let i = 0; i < n; i++) m = max(m, valAt(i));
  cMax = m;
  let z: f64 = 0;
  for (let i = 0; i < n; i++) {
    const w = exp64(s * (valAt(i) - m));
    setW(i, w);
    z += w;
  }
  return z;
}

/**
 * candExp's weights for candidates just gathered from the dense buffer while F_EXP holds its exp values:
 * those values (f32, as the dense path draws), exp in f64 only where the f32 value underflowed to 0.
 */
export function candFromExp(): f64 {
  const e = ptr(F_EXP);
  cMax = <f64>mx;
  let z: f64 = 0;
  for (let i = 0; i < n; i++) {
    let w = <f64>load<f32>(e + ((<usize>idAt(i)) << 2));
    if (w == 0) w = exp64(s * (valAt(i) - cMax));
    setW(i, w);
    z += w;
  }
  return z;
}

/** Entropy of the candidate distribution whose weights candExp() just computed (sum z). */
export function candEntropy(z: f64): f64 {
  const lz = log64(z);
  let h: f64 = 0;
  for (let i = 0; i < n; i++) {
    const p = wAt(i) / z;
    if (p > 0) h -= p * (s * (valAt(i) - cMax) - lz);
  }
  return h;
}

/**
 * Top-k over the candidates: the k-th value by quickselect over a copy of the values (cheap single-array
 * moves), then one compaction pass. Tokens tied with the k-th value all stay (HF), or with `exact` only
 * the lowest ids among them, up to k (llama.cpp).
 */
export function candTopK(k: i32, exact: bool): void {
  if (n <= k) return;
  const sc = ptr(F_CAND_K);
  for (let i = 0; i < n; i++) store<f64>(sc + ((<usize>i) << 3), valAt(i));
  const kv = nthLargest<f64>(sc, n, k - 1);
  let above = 0,
    tied = 0;
  for (let i = 0; i < n; i++) {
    const v = valAt(i);
    if (v > kv) above++;
    else if (v == kv) tied++;
  }
  // with exact, the ties that fit: those with an id up to idCut
  let idCut: u32 = u32.MAX_VALUE;
  if (exact && above + tied > k) {
    const room = k - above;
    let t = 0;
    for (let i = 0; i < n; i++)
      if (valAt(i) == kv) {
        store<f64>(sc + ((<usize>t) << 3), -(<f64>idAt(i)));
        t++;
      }
    idCut = <u32>-nthLargest<f64>(sc, t, room - 1); // the room-th smallest id
  }
  const pi = ptr(F_CAND_IDX),
    pv = ptr(F_CAND_VAL);
  let m = 0;
  for (let i = 0; i < n; i++) {
    const v = valAt(i);
    if (v > kv || (v == kv && idAt(i) <= idCut)) {
      if (i != m) {
        store<u32>(pi + ((<usize>m) << 2), idAt(i));
        store<f64>(pv + ((<usize>m) << 3), v);
      }
      m++;
    }
  }
  n = m;
}

/**
 * Keeps the candidates flagged (non-zero weight). If fewer than `keep` are flagged, keeps the best
 * `keep` in value order: with tiesKept, every token tied with the keep-th too (HF epsilon / eta);
 * otherwise exactly `keep` (HF min-p).
 */
export function keepFlagged(tiesKept: bool, order: i32, keep: i32): void {
  let c = 0;
  for (let i = 0; i < n; i++) if (wAt(i) != 0) c++;
  const mk = min(keep, n);
  if (c < mk) {
    const j = wselect(n, order, <f64>mk, true);
    if (tiesKept) {
      const kv = valAt(j);
      for (let i = 0; i < n; i++) if (valAt(i) >= kv) setW(i, 1);
    } else {
      for (let i = 0; i < mk; i++) setW(i, 1);
    }
  }
  n = compactByFlag(n);
}

/** k-th largest kept logit (or the floor when fewer than k are kept); uses the candidate arrays as scratch. */
export function kthValue(k: i32): f32 {
  const c = gatherAtLeast(k);
  if (c < k) return floorThr();
  return <f32>valAt(wselect(c, BY_VALUE, <f64>k, true));
}

export function denseTopK(k: i32, exact: bool): void {
  if (k >= vocab) return;
  if (mValid) {
    n = gatherAtLeast(k);
  } else {
    // The first read of the logits: a sampled threshold needs no max, so one pass finds both.
    const thr = estimateThreshold(k, 0);
    n = maxGather(wPtr, vpad, ptr(F_BLOCKS), thr, ptr(F_CAND_IDX), ptr(F_CAND_VAL));
    mx = gatherMax;
    checkMax();
    if (err) return;
    if (n < k && thr > floorThr()) n = gatherAtLeast(k, 1);
  }
  dense = false;
  candTopK(k, exact);
}

/** Raises the dense threshold to thr, unless that would keep fewer than `keep` tokens. */
export function denseThreshold(thr: f32, tiesKept: bool, keep: i32): void {
  if (thr > mx) thr = mx;
  const mk = keep;
  if (mk > 1 && countGE(wPtr, vpad, max(thr, floorThr())) < mk) {
    if (!tiesKept) {
      denseTopK(mk, true);
      return;
    }
    thr = min(thr, kthValue(mk));
  }
  if (thr > lo) lo = thr;
}

/**
 * How many tokens are still kept: finite and above the dense threshold, or the candidates; under
 * llama.cpp's rules, the size of its candidate array (see llamaSize).
 */
export function keptCount(): i32 {
  if (llamaSize >= 0) return llamaSize;
  const finite = dense ? countGE(wPtr, vpad, floorThr()) : n;
  return max(finite, llamaFloor);
}
