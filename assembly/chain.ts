// The transform chain. JS writes the options into the parameter slots and the enabled transforms, in
// order, into the program; run() executes them over the logits and finishes with a draw, the full
// distribution, or the top log-probabilities.
//
// Two representations of the current distribution:
//   dense: every token of the logits buffer, with a lazy inverse temperature `s` and a lazy threshold
//          `lo` (keep x >= lo). Threshold transforms (min-p, epsilon, eta, top-n-sigma) cost no pass.
//   candidates: an explicit list (ids, f64 logits) gathered from the dense buffer by one SIMD compare
//          pass; every later transform works on the few survivors.
// Sparse processors (penalties, bias, bans) patch the logits in place and are restored after the run.
import {
  vocab, vpad, rows, ptr, param, setResult,
  F_LOGITS, F_WORK, F_EXP, F_CAND_IDX, F_CAND_VAL, F_CAND_W, F_CAND_K, F_COUNTS, F_STAMP, F_BANMARK,
  F_BIAS, F_MASK, F_PAIRS, F_BANS, F_BIAS_LIST, F_RESTORE, F_SAMPLE, F_PROGRAM, F_BLOCKS, F_DRY, SAMPLE_SLOTS,
  P_TEMPERATURE, P_TOP_K, P_TOP_P, P_MIN_P, P_TYPICAL_P, P_EPSILON, P_ETA, P_TOP_N_SIGMA, P_MIN_KEEP,
  P_REPETITION, P_PRESENCE, P_FREQUENCY, P_TOP_K_EXACT, P_N_BIAS, P_N_PAIRS, P_N_BAN_NGRAM, P_N_BAN_WORDS,
  P_TOP_N, P_GREEDY, P_N_OPS, P_N_SUPPRESS, P_DYN_RANGE, P_DYN_EXPONENT, P_XTC_PROBABILITY, P_XTC_THRESHOLD,
  P_N_DRY, P_DRY_MULTIPLIER, P_DRY_BASE, P_MIROSTAT, P_MIROSTAT_MU, P_N_CTX, F_CTX, setParam, R_ERROR_INDEX, R_ERROR_VALUE, R_LOGPROB, R_N_TOP,
} from "./layout";
import {
  maxPass, maxGather, maxGatherExpSum, fusedSum, gatherMax, findInvalid, firstIndexOf, gather, countGE, expPass, expBlockSums, drawBlocks,
  maskedBlockSums, drawMaskedBlocks, moment, scale, drawDense, maskCopy, suspect, moments, momentCount, momentSum,
  momentSq, gatherRange, massAbove, aboveMass0, aboveMass1, aboveMass2, aboveMass3, aboveCount0, aboveCount1,
  aboveCount2, aboveCount3, massBefore, beforeMass, beforeCount, tieCount,
} from "./kernels";
import {
  BY_VALUE, BY_KEY, BY_ID, wselect, sortRange, compactByFlag, argBest, swap, idAt, valAt, wAt, keyAt, nthLargest,
} from "./select";
import { nextDouble, nextXtcDouble } from "./rng";
import { powPos } from "./math";

export const OP_REPETITION: i32 = 1;
export const OP_PRESENCE: i32 = 2;
export const OP_FREQUENCY: i32 = 3;
export const OP_NGRAM_BANS: i32 = 4;
export const OP_BAD_WORDS: i32 = 5;
export const OP_LOGIT_BIAS: i32 = 6;
export const OP_ALLOWED: i32 = 7;
export const OP_TEMPERATURE: i32 = 8; // ops from here on are warpers: greedy skips them
export const OP_TOP_N_SIGMA: i32 = 9;
export const OP_TOP_K: i32 = 10;
export const OP_TOP_P: i32 = 11;
export const OP_MIN_P: i32 = 12;
export const OP_TYPICAL_P: i32 = 13;
export const OP_EPSILON: i32 = 14;
export const OP_ETA: i32 = 15;
export const OP_SUPPRESS: i32 = 16;   // a processor: bans the P_N_SUPPRESS tokens of the third ban segment
export const OP_DRY: i32 = 17;        // a processor: DRY penalties (llama.cpp) for the (token, exponent) pairs of F_DRY
export const OP_XTC: i32 = 18;        // a warper: exclude top choices (llama.cpp), its own seeded draw
export const OP_MIROSTAT: i32 = 19;   // a warper, last: mirostat v1 / v2 truncation (llama.cpp) from the running mu

/** Warpers (temperature and the truncations) are skipped under greedy; processors never are. */
@inline function isWarper(op: i32): bool {
  return (op >= OP_TEMPERATURE && op <= OP_ETA) || op == OP_XTC || op == OP_MIROSTAT;
}

export const FLAG_SAMPLE: i32 = 1;
export const FLAG_PROBS: i32 = 2;
export const FLAG_TOP: i32 = 4;
export const FLAG_LOGPROB: i32 = 8; // report the drawn token's log-probability (needs the kept set's normaliser)

export const ERR_INVALID_LOGIT: i32 = -1;
export const ERR_ALL_REMOVED: i32 = -2;

const LOWEST: f32 = -f32.MAX_VALUE;
// Float32 logits carry ~1e-7 relative error, so a cumulative mass equal to p on paper may land just below
// it: within this factor it counts as reached (top-p, typical). Both libraries' published tables agree.
const MASS_SLACK: f64 = 1 - 1e-6;

let dense = true;
let wPtr: usize = 0;
let lo: f32 = LOWEST; // dense: tokens below lo are removed (LOWEST = none removed but -inf ones)
let mx: f32 = 0;      // dense: max logit, valid when mValid
let mValid = false;
let eValid = false;   // dense: F_EXP holds exp((x - mx) * s) for every token >= the current lo
let s: f64 = 1;       // inverse temperature, applied lazily
let n = 0;            // candidate count
let nRestore = 0;
let runFlags = 0;
let lastOp = false;       // the op being applied is the last of the program
let deferTopP = false;    // top-p left for the draw: rejection sampling, no cut needed
let epoch: u32 = 0;
let banEpoch: u32 = 0;
let err = 0;

@inline function setW(i: i32, v: f64): void { store<f64>(ptr(F_CAND_W) + (<usize>i << 3), v); }
@inline function setKey(i: i32, v: f64): void { store<f64>(ptr(F_CAND_K) + (<usize>i << 3), v); }
@inline function setVal(i: i32, v: f64): void { store<f64>(ptr(F_CAND_VAL) + (<usize>i << 3), v); }
@inline function minKeep(): i32 { return <i32>param(P_MIN_KEEP); }

function fail(code: i32, index: i32, value: f64): void {
  err = code;
  setResult(R_ERROR_INDEX, <f64>index);
  setResult(R_ERROR_VALUE, value);
}

/** Max of the dense buffer; validates it (NaN / +Infinity) and checks that something is left. */
function ensureMax(): void {
  if (mValid) return;
  mx = maxPass(wPtr, vpad, ptr(F_BLOCKS));
  checkMax();
}

/** After a max pass: a NaN or +Infinity is an error naming its index, and so is a buffer with nothing left. */
function checkMax(): void {
  if (suspect) {
    const i = findInvalid(wPtr, vocab);
    if (i >= 0) { fail(ERR_INVALID_LOGIT, i, <f64>load<f32>(wPtr + (<usize>i << 2))); return; }
  }
  if (mx == -Infinity) { fail(ERR_ALL_REMOVED, -1, 0); return; }
  mValid = true;
}

/** The ban list of a banning op: n-gram bans, bad-word bans, suppressed tokens, one vpad-sized segment each. */
function banSegment(op: i32): usize {
  const seg = op == OP_NGRAM_BANS ? 0 : op == OP_BAD_WORDS ? 1 : 2;
  return ptr(F_BANS) + (<usize>(seg * vpad) << 2);
}

function banCount(op: i32): i32 {
  return <i32>param(op == OP_NGRAM_BANS ? P_N_BAN_NGRAM : op == OP_BAD_WORDS ? P_N_BAN_WORDS : P_N_SUPPRESS);
}

// ---- dense processors: in-place patches of a few logits ----

function patch(i: u32, v: f32): void {
  const a = wPtr + (<usize>i << 2);
  if (wPtr == ptr(F_LOGITS)) {
    const st = ptr(F_STAMP) + (<usize>i << 2);
    if (load<u32>(st) != epoch) {
      store<u32>(st, epoch);
      const r = ptr(F_RESTORE) + (<usize>nRestore << 3);
      store<u32>(r, i);
      store<f32>(r, load<f32>(a), 4);
      nRestore++;
    }
  }
  store<f32>(a, v);
}

/** The current logit of token i, or an error if the caller's value is NaN / +Infinity. */
function current(i: u32): f32 {
  const x = load<f32>(wPtr + (<usize>i << 2));
  if (isNaN(x) || x == Infinity) fail(ERR_INVALID_LOGIT, <i32>i, <f64>x);
  return x;
}

function restoreAll(): void {
  const l = ptr(F_LOGITS), r = ptr(F_RESTORE);
  for (let k = 0; k < nRestore; k++) {
    const e = r + (<usize>k << 3);
    store<f32>(l + (<usize>load<u32>(e) << 2), load<f32>(e, 4));
  }
  nRestore = 0;
}

// The penalty parameters of the op being applied, read once into globals: a loop that stores to memory
// cannot keep a memory load out of its body, but a global read costs nothing.
let penRep: f64 = 1, penShift: f64 = 0, penFreq: f64 = 0;
function loadPenalties(): void {
  penRep = param(P_REPETITION);
  penShift = param(P_PRESENCE) / s;
  penFreq = param(P_FREQUENCY);
}

/** Penalties from the (token, count) pairs of the window, in the effective (scaled) logit space; after loadPenalties(). */
@inline function penalize(op: i32, x: f64, c: u32): f64 {
  if (op == OP_REPETITION) return x > 0 ? x / penRep : x * penRep; // CTRL / HF: divide positive logits, multiply negative ones
  if (op == OP_PRESENCE) return x - penShift;
  return x - penFreq * <f64>c / s;
}

/**
 * DRY's penalty for a repeat `e` tokens longer than the allowed length: multiplier * base ** e, the
 * exponent capped so the power stays below the float32 range (llama.cpp's rule).
 */
function dryPenalty(e: u32): f64 {
  const base = param(P_DRY_BASE);
  let x = <f64>e;
  if (base > 1.000001) {
    const cap = Math.floor(88.7228391 / Math.log(base));
    if (x > cap) x = cap;
  }
  return param(P_DRY_MULTIPLIER) * powPos(base, x);
}

/**
 * A repetition, presence or frequency penalty on the dense logits: patch() by hand with every pointer read
 * once (a store to memory could alias them, so the compiler reloads them inside the loop otherwise).
 * Contexts of hundreds of distinct tokens make this loop matter.
 */
function densePenalty(op: i32): void {
  const pairs = ptr(F_PAIRS), np = <i32>param(P_N_PAIRS);
  const w = wPtr, stamps = ptr(F_STAMP), restore = ptr(F_RESTORE);
  const tracked = w == ptr(F_LOGITS), ep = epoch;
  loadPenalties();
  let nr = nRestore;
  for (let k = 0; k < np; k++) {
    const e = pairs + (<usize>k << 3);
    const t = load<u32>(e), c = load<u32>(e, 4);
    if (c == 0) continue;
    const a = w + (<usize>t << 2);
    const x = load<f32>(a);
    if (isNaN(x) || x == Infinity) { nRestore = nr; fail(ERR_INVALID_LOGIT, <i32>t, <f64>x); return; }
    const y = penalize(op, <f64>x, c); // f64, then one rounding to f32
    if (tracked) {
      const st = stamps + (<usize>t << 2);
      if (load<u32>(st) != ep) {
        store<u32>(st, ep);
        const r = restore + (<usize>nr << 3);
        store<u32>(r, t);
        store<f32>(r, x, 4);
        nr++;
      }
    }
    store<f32>(a, <f32>y);
  }
  nRestore = nr;
}

function denseProcessor(op: i32): void {
  if (op == OP_REPETITION || op == OP_PRESENCE || op == OP_FREQUENCY) {
    densePenalty(op);
  } else if (op == OP_NGRAM_BANS || op == OP_BAD_WORDS || op == OP_SUPPRESS) {
    const base = banSegment(op);
    const nb = banCount(op);
    for (let k = 0; k < nb; k++) {
      const t = load<u32>(base + (<usize>k << 2));
      current(t);
      if (err) return;
      patch(t, -Infinity);
    }
  } else if (op == OP_DRY) {
    const list = ptr(F_DRY), nd = <i32>param(P_N_DRY);
    for (let k = 0; k < nd; k++) {
      const t = load<u32>(list + (<usize>k << 3));
      const x = current(t);
      if (err) return;
      patch(t, <f32>(<f64>x - dryPenalty(load<u32>(list + (<usize>k << 3), 4)) / s));
    }
  } else if (op == OP_LOGIT_BIAS) {
    const list = ptr(F_BIAS_LIST), nb = <i32>param(P_N_BIAS);
    for (let k = 0; k < nb; k++) {
      const t = load<u32>(list + (<usize>k << 3)), b = load<f32>(list + (<usize>k << 3), 4);
      const x = current(t);
      if (err) return;
      patch(t, b == -Infinity ? -Infinity : <f32>(<f64>x + <f64>b / s));
    }
  } else if (op == OP_ALLOWED) {
    const src = wPtr;
    maskCopy(src, ptr(F_WORK), ptr(F_MASK), vpad);
    if (suspect) {
      const i = findInvalid(src, vocab);
      if (i >= 0) { fail(ERR_INVALID_LOGIT, i, <f64>load<f32>(src + (<usize>i << 2))); return; }
    }
    restoreAll(); // the copy holds the patched values; the caller's logits go back now
    wPtr = ptr(F_WORK);
  }
  mValid = false;
  eValid = false;
}

// ---- candidate processors ----

function candProcessor(op: i32): void {
  if (op == OP_DRY) {
    const list = ptr(F_DRY), counts = ptr(F_COUNTS), nd = <i32>param(P_N_DRY);
    for (let k = 0; k < nd; k++) store<u32>(counts + (<usize>load<u32>(list + (<usize>k << 3)) << 2), load<u32>(list + (<usize>k << 3), 4) + 1);
    for (let i = 0; i < n; i++) {
      const c = load<u32>(counts + (<usize>idAt(i) << 2));
      if (c != 0) setVal(i, <f64><f32>(valAt(i) - dryPenalty(c - 1) / s));
    }
    for (let k = 0; k < nd; k++) store<u32>(counts + (<usize>load<u32>(list + (<usize>k << 3)) << 2), 0);
    return;
  }
  if (op == OP_REPETITION || op == OP_PRESENCE || op == OP_FREQUENCY) {
    const pairs = ptr(F_PAIRS), counts = ptr(F_COUNTS), np = <i32>param(P_N_PAIRS);
    loadPenalties();
    for (let k = 0; k < np; k++) {
      store<u32>(counts + (<usize>load<u32>(pairs + (<usize>k << 3)) << 2), load<u32>(pairs + (<usize>k << 3), 4));
    }
    for (let i = 0; i < n; i++) {
      const c = load<u32>(counts + (<usize>idAt(i) << 2));
      if (c != 0) setVal(i, <f64><f32>penalize(op, valAt(i), c)); // logits stay f32 values, as on the dense path
    }
    for (let k = 0; k < np; k++) store<u32>(counts + (<usize>load<u32>(pairs + (<usize>k << 3)) << 2), 0);
    return;
  }
  if (op == OP_NGRAM_BANS || op == OP_BAD_WORDS || op == OP_SUPPRESS) {
    const base = banSegment(op);
    const nb = banCount(op);
    const marks = ptr(F_BANMARK);
    banEpoch++;
    if (banEpoch == 0) { memory.fill(marks, 0, <usize>vpad << 2); banEpoch = 1; }
    for (let k = 0; k < nb; k++) store<u32>(marks + (<usize>load<u32>(base + (<usize>k << 2)) << 2), banEpoch);
    for (let i = 0; i < n; i++) setW(i, load<u32>(marks + (<usize>idAt(i) << 2)) == banEpoch ? 0 : 1);
  } else if (op == OP_LOGIT_BIAS) {
    const bias = ptr(F_BIAS);
    for (let i = 0; i < n; i++) {
      const b = load<f32>(bias + (<usize>idAt(i) << 2));
      setW(i, b == -Infinity ? 0 : 1);
      if (b != 0 && b != -Infinity) setVal(i, <f64><f32>(valAt(i) + <f64>b / s));
    }
  } else if (op == OP_ALLOWED) {
    const mask = ptr(F_MASK);
    for (let i = 0; i < n; i++) {
      const t = idAt(i);
      setW(i, <f64>((load<u32>(mask + (<usize>(t >> 5) << 2)) >>> (t & 31)) & 1));
    }
  }
  n = compactByFlag(n);
  if (n == 0) fail(ERR_ALL_REMOVED, -1, 0);
}

// ---- moving from dense to candidates ----

@inline function floorThr(): f32 { return lo > LOWEST ? lo : LOWEST; }

/**
 * A threshold expected to leave a little more than k tokens above it, from a sample of the logits; each
 * retry aims 4x wider, and the last gives the floor (every kept token).
 */
function estimateThreshold(k: i32, attempt: i32): f32 {
  const floor = floorThr();
  if (vocab <= 4096 || attempt >= 3) return floor;
  // The sample: SAMPLE_SLOTS / 16 runs of 16 consecutive logits spread evenly over the vocabulary. A run
  // is one cache line, so the sample costs 64 memory reads, not 1,024 (single strided loads miss the
  // cache one by one once the logits outgrow L2), and 1,024 values keep the estimate steady.
  const runs = SAMPLE_SLOTS >> 4;
  const step = (vocab / runs) & ~15; // >= 64: vocab > 4096
  const want = <i64>(2 * k + 64) << (2 * attempt); // each sampled value stands for vocab / SAMPLE_SLOTS tokens
  const r64 = want * <i64>SAMPLE_SLOTS / <i64>vocab;
  if (r64 >= <i64>SAMPLE_SLOTS) return floor;
  const r = <i32>r64;
  if (r < 16) return sampledSmall(step, runs, r, floor);
  const sp = ptr(F_SAMPLE);
  let cnt = 0;
  for (let j = 0; j < runs; j++) {
    const a = wPtr + (<usize>(j * step) << 2);
    for (let i = 0; i < 16; i++) {
      const x = load<f32>(a + (<usize>i << 2));
      if (x >= floor) { store<f32>(sp + (<usize>cnt << 2), x); cnt++; }
    }
  }
  return r >= cnt ? floor : nthLargest<f32>(sp, cnt, r);
}

/**
 * The r-th largest (0-based, r < 16) of the sampled values at or above floor, found while sampling: a
 * sorted list of the best r + 1 so far. Once it is full, a run of 16 with nothing above its last entry
 * costs four SIMD compares.
 */
function sampledSmall(step: i32, runs: i32, r: i32, floor: f32): f32 {
  const top = ptr(F_SAMPLE);
  let m = 0;
  let bar: f32 = -Infinity; // the list's last entry once it is full
  for (let j = 0; j < runs; j++) {
    const a = wPtr + (<usize>(j * step) << 2);
    if (m > r) {
      const b = f32x4.splat(bar);
      const any = v128.or(
        v128.or(f32x4.gt(v128.load(a), b), f32x4.gt(v128.load(a, 16), b)),
        v128.or(f32x4.gt(v128.load(a, 32), b), f32x4.gt(v128.load(a, 48), b)),
      );
      if (!v128.any_true(any)) continue;
    }
    for (let q = 0; q < 16; q++) {
      const x = load<f32>(a + (<usize>q << 2));
      if (!(x >= floor) || (m > r && x <= bar)) continue;
      let i = min(m, r);
      while (i > 0 && load<f32>(top + (<usize>(i - 1) << 2)) < x) {
        store<f32>(top + (<usize>i << 2), load<f32>(top + (<usize>(i - 1) << 2)));
        i--;
      }
      store<f32>(top + (<usize>i << 2), x);
      if (m <= r) m++;
      if (m > r) bar = load<f32>(top + (<usize>r << 2));
    }
  }
  return m > r ? bar : floor;
}

/** Gathers candidates so that, when at least k tokens are kept, all tokens tied with or above the k-th are in. */
function gatherAtLeast(k: i32, firstAttempt: i32 = 0): i32 {
  const floor = floorThr();
  for (let attempt = firstAttempt; ; attempt++) {
    const thr = estimateThreshold(k, attempt);
    const c = gather(wPtr, vpad, thr, ptr(F_CAND_IDX), ptr(F_CAND_VAL));
    if (c >= k || thr <= floor) return c;
  }
  return 0;
}

/** Every kept token becomes a candidate. */
function toCandidates(): void {
  n = gather(wPtr, vpad, floorThr(), ptr(F_CAND_IDX), ptr(F_CAND_VAL));
  dense = false;
}

// ---- candidate warpers ----

let cMax: f64 = 0;

/** Weights exp(s * (v - max)) of the candidates; returns their sum. */
function candExp(): f64 {
  let m = -Infinity;
  for (let i = 0; i < n; i++) m = max(m, valAt(i));
  cMax = m;
  let z: f64 = 0;
  for (let i = 0; i < n; i++) {
    const w = Math.exp(s * (valAt(i) - m));
    setW(i, w);
    z += w;
  }
  return z;
}

/** Entropy of the candidate distribution whose weights candExp() just computed (sum z). */
function candEntropy(z: f64): f64 {
  const lz = Math.log(z);
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
function candTopK(k: i32, exact: bool): void {
  if (n <= k) return;
  const sc = ptr(F_CAND_K);
  for (let i = 0; i < n; i++) store<f64>(sc + (<usize>i << 3), valAt(i));
  const kv = nthLargest<f64>(sc, n, k - 1);
  let above = 0, tied = 0;
  for (let i = 0; i < n; i++) { const v = valAt(i); if (v > kv) above++; else if (v == kv) tied++; }
  // with exact, the ties that fit: those with an id up to idCut
  let idCut: u32 = u32.MAX_VALUE;
  if (exact && above + tied > k) {
    const room = k - above;
    let t = 0;
    for (let i = 0; i < n; i++) if (valAt(i) == kv) { store<f64>(sc + (<usize>t << 3), -<f64>idAt(i)); t++; }
    idCut = <u32>(-nthLargest<f64>(sc, t, room - 1)); // the room-th smallest id
  }
  const pi = ptr(F_CAND_IDX), pv = ptr(F_CAND_VAL);
  let m = 0;
  for (let i = 0; i < n; i++) {
    const v = valAt(i);
    if (v > kv || (v == kv && idAt(i) <= idCut)) {
      if (i != m) {
        store<u32>(pi + (<usize>m << 2), idAt(i));
        store<f64>(pv + (<usize>m << 3), v);
      }
      m++;
    }
  }
  n = m;
}

/** Keeps the first candidates in value order whose weight (in F_CAND_W) reaches target, at least minKeep. */
function cutByMass(target: f64): void {
  const j = wselect(n, BY_VALUE, target, false);
  let m = j + 1;
  const mk = min(minKeep(), n);
  if (m < mk) { wselect(n, BY_VALUE, <f64>mk, true); m = mk; }
  n = m;
}

/**
 * Keeps the candidates flagged (non-zero weight). If fewer than minKeep are flagged, keeps the best
 * minKeep in value order: with tiesKept, every token tied with the minKeep-th too (HF epsilon / eta);
 * otherwise exactly minKeep (HF min-p).
 */
function keepFlagged(tiesKept: bool, order: i32): void {
  let c = 0;
  for (let i = 0; i < n; i++) if (wAt(i) != 0) c++;
  const mk = min(minKeep(), n);
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

function candWarper(op: i32): void {
  if (op == OP_TOP_K) {
    candTopK(<i32>param(P_TOP_K), param(P_TOP_K_EXACT) != 0);
  } else if (op == OP_TOP_P) {
    const z = candExp();
    cutByMass(param(P_TOP_P) * z * MASS_SLACK);
  } else if (op == OP_MIN_P) {
    candExp(); // the best token has weight 1, so weight < minP is p < minP * p_max
    const mp = param(P_MIN_P);
    for (let i = 0; i < n; i++) setW(i, wAt(i) >= mp ? 1 : 0);
    keepFlagged(false, BY_VALUE);
  } else if (op == OP_EPSILON || op == OP_ETA) {
    const z = candExp();
    const eps = param(op == OP_EPSILON ? P_EPSILON : P_ETA);
    const cut = op == OP_EPSILON ? eps : min(eps, Math.sqrt(eps) * Math.exp(-candEntropy(z)));
    for (let i = 0; i < n; i++) setW(i, wAt(i) / z >= cut ? 1 : 0);
    keepFlagged(true, BY_VALUE);
  } else if (op == OP_TYPICAL_P) {
    const z = candExp();
    const h = candEntropy(z), lz = Math.log(z);
    for (let i = 0; i < n; i++) setKey(i, Math.abs(-(s * (valAt(i) - cMax) - lz) - h));
    const j = wselect(n, BY_KEY, param(P_TYPICAL_P) * z * MASS_SLACK, false);
    const dk = keyAt(j); // HF: every token as close to the entropy as the last one needed stays
    for (let i = 0; i < n; i++) setW(i, keyAt(i) <= dk ? 1 : 0);
    keepFlagged(false, BY_KEY);
  } else if (op == OP_TOP_N_SIGMA) {
    let m = -Infinity, sum: f64 = 0;
    for (let i = 0; i < n; i++) { m = max(m, valAt(i)); sum += valAt(i); }
    const mean = sum / <f64>n;
    let acc: f64 = 0;
    for (let i = 0; i < n; i++) { const d = valAt(i) - mean; acc += d * d; }
    const thr = m - param(P_TOP_N_SIGMA) * Math.sqrt(acc / <f64>n);
    for (let i = 0; i < n; i++) setW(i, valAt(i) >= thr ? 1 : 0);
    keepFlagged(true, BY_VALUE);
  }
}

// ---- dense warpers ----

/** k-th largest kept logit (or the floor when fewer than k are kept); uses the candidate arrays as scratch. */
function kthValue(k: i32): f32 {
  const c = gatherAtLeast(k);
  if (c < k) return floorThr();
  return <f32>valAt(wselect(c, BY_VALUE, <f64>k, true));
}

function denseTopK(k: i32, exact: bool): void {
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

/** Raises the dense threshold to thr, unless that would keep fewer than minKeep tokens. */
function denseThreshold(thr: f32, tiesKept: bool): void {
  if (thr > mx) thr = mx;
  const mk = minKeep();
  if (mk > 1 && countGE(wPtr, vpad, max(thr, floorThr())) < mk) {
    if (!tiesKept) { denseTopK(mk, true); return; }
    thr = min(thr, kthValue(mk));
  }
  if (thr > lo) lo = thr;
}

/**
 * Dense top-p. When it is the last transform and only a draw is wanted, it is left to the draw
 * (rejection sampling, see drawTopP); otherwise the cut is placed now.
 */
function denseTopP(): void {
  if (lastOp && runFlags == FLAG_SAMPLE) { deferTopP = true; return; }
  const z = expPass(wPtr, ptr(F_EXP), vpad, mx, <f32>s, floorThr(), false);
  eValid = true;
  cutTopP(z);
}

/**
 * Draws from the untruncated distribution and accepts the token if the mass strictly ahead of it (higher
 * logits, or equal logits with lower ids) is below p * Z, or its rank is below minKeep: exactly the top-p
 * distribution, with one exp pass and a cheap test per round (expected rounds: 1 / p). After 16
 * rejections the cut is placed and the draw proceeds as usual. Returns the token, or -1 for the latter.
 */
function drawTopP(): i32 {
  const e = ptr(F_EXP);
  const floor = floorThr();
  const z = expPass(wPtr, e, vpad, mx, <f32>s, floor, false);
  eValid = true;
  const target = param(P_TOP_P) * z * MASS_SLACK;
  const mk = minKeep();
  for (let round = 0; round < 16; round++) {
    const d = drawDense(e, vpad, nextDouble() * z);
    const v = load<f32>(wPtr + (<usize>d << 2));
    massBefore(wPtr, e, vpad, v);
    let before = beforeMass;
    let rank = beforeCount;
    if (tieCount > 1) {
      for (let i = 0; i < d; i++) {
        if (load<f32>(wPtr + (<usize>i << 2)) == v) { before += <f64>load<f32>(e + (<usize>i << 2)); rank++; }
      }
    }
    if (before < target || rank < mk) return d;
  }
  cutTopP(z);
  return -1;
}

/** Places the top-p cut over the exp values in F_EXP (sum z). */
function cutTopP(z: f64): void {
  const floor = floorThr();
  const e = ptr(F_EXP);
  const target = param(P_TOP_P) * z * MASS_SLACK;
  const t = <f32>(<f64>mx - 8 / s);
  const top = t > floor ? t : floor;
  let c = gather(wPtr, vpad, top, ptr(F_CAND_IDX), ptr(F_CAND_VAL));
  let mass: f64 = 0;
  for (let i = 0; i < c; i++) {
    const w = <f64>load<f32>(e + (<usize>idAt(i) << 2));
    setW(i, w);
    mass += w;
  }
  if ((mass >= target && c >= minKeep()) || top <= floor) {
    n = c;
    dense = false;
    cutByMass(target);
    return;
  }
  if (bracketCut(target, top, mass, c)) return;
  // Every token as a candidate: exact, and slow only for inputs the bracketing could not narrow.
  c = gather(wPtr, vpad, floor, ptr(F_CAND_IDX), ptr(F_CAND_VAL));
  for (let i = 0; i < c; i++) setW(i, <f64>load<f32>(e + (<usize>idAt(i) << 2)));
  n = c;
  dense = false;
  cutByMass(target);
}

/** At most this many tokens are gathered to place a top-p cut inside its bracket. */
const BRACKET_TOKENS: i32 = 4096;

/**
 * Places the top-p cut when it lies deep in the distribution, staying dense: each pass measures the exact
 * mass and count above four thresholds inside the bracket [bLo, bHi) holding the cut, until the bracket
 * holds at most BRACKET_TOKENS tokens; those are gathered and the cut found by weighted quickselect.
 * Tokens tied with the cut but after it (higher ids) are set to -inf. Returns false if minKeep is not met.
 */
function bracketCut(target: f64, hiThr: f32, hiMass: f64, hiCount: i32): bool {
  const e = ptr(F_EXP);
  const floor = floorThr();
  // Below 88 nats under the max every exp value is 0 in f32: nothing there carries mass.
  const deep = <f32>(<f64>mx - 88 / s);
  let bLo: f32 = deep > floor ? deep : floor;
  let loCount = countGE(wPtr, vpad, bLo);
  let bHi = hiThr, hm = hiMass, hc = hiCount;
  for (let pass = 0; pass < 8 && loCount - hc > BRACKET_TOKENS; pass++) {
    let t0: f32, t1: f32, t2: f32, t3: f32;
    if (pass == 0) {
      // the first pass spaces its thresholds geometrically in depth: 12, 18, 28, 48 nats
      t0 = max(<f32>(<f64>mx - 12 / s), bLo); t1 = max(<f32>(<f64>mx - 18 / s), bLo);
      t2 = max(<f32>(<f64>mx - 28 / s), bLo); t3 = max(<f32>(<f64>mx - 48 / s), bLo);
    } else {
      const w = <f64>bHi - <f64>bLo;
      t0 = <f32>(<f64>bHi - w * 0.2); t1 = <f32>(<f64>bHi - w * 0.4);
      t2 = <f32>(<f64>bHi - w * 0.6); t3 = <f32>(<f64>bHi - w * 0.8);
    }
    massAbove(wPtr, e, vpad, t0, t1, t2, t3);
    if (aboveMass0 >= target) { bLo = t0; loCount = aboveCount0; }
    else if (aboveMass1 >= target) { bHi = t0; hm = aboveMass0; hc = aboveCount0; bLo = t1; loCount = aboveCount1; }
    else if (aboveMass2 >= target) { bHi = t1; hm = aboveMass1; hc = aboveCount1; bLo = t2; loCount = aboveCount2; }
    else if (aboveMass3 >= target) { bHi = t2; hm = aboveMass2; hc = aboveCount2; bLo = t3; loCount = aboveCount3; }
    else { bHi = t3; hm = aboveMass3; hc = aboveCount3; }
    if (bHi <= bLo) break; // every token in the bracket has the same value: the quickselect orders them by id
  }
  const c = gatherRange(wPtr, vpad, bLo, bHi, ptr(F_CAND_IDX), ptr(F_CAND_VAL));
  if (c == 0) return false;
  for (let i = 0; i < c; i++) setW(i, <f64>load<f32>(e + (<usize>idAt(i) << 2)));
  const j = wselect(c, BY_VALUE, target - hm, false);
  if (hc + j + 1 < minKeep()) return false;
  const cut = valAt(j);
  for (let i = j + 1; i < c; i++) if (valAt(i) == cut) patch(idAt(i), -Infinity);
  lo = <f32>cut;
  return true;
}

function denseWarper(op: i32): void {
  if (op != OP_TOP_K) ensureMax();
  if (err) return;
  if (op == OP_TOP_K) {
    denseTopK(<i32>param(P_TOP_K), param(P_TOP_K_EXACT) != 0);
  } else if (op == OP_MIN_P) {
    denseThreshold(<f32>(<f64>mx + Math.log(param(P_MIN_P)) / s), false);
  } else if (op == OP_TOP_N_SIGMA) {
    moments(wPtr, vpad, floorThr(), mx);
    const c = <f64>momentCount, mean = momentSum / c;
    const sd = Math.sqrt(max(momentSq / c - mean * mean, 0));
    denseThreshold(<f32>(<f64>mx - param(P_TOP_N_SIGMA) * sd), true);
  } else if (op == OP_EPSILON || op == OP_ETA) {
    const eta = op == OP_ETA;
    const z = expPass(wPtr, ptr(F_EXP), vpad, mx, <f32>s, floorThr(), eta);
    eValid = true;
    const eps = param(eta ? P_ETA : P_EPSILON);
    let cut = eps;
    if (eta) {
      const h = Math.log(z) - s * moment / z;
      cut = min(eps, Math.sqrt(eps) * Math.exp(-h));
    }
    denseThreshold(<f32>(<f64>mx + (Math.log(cut) + Math.log(z)) / s), true);
  } else if (op == OP_TOP_P) {
    denseTopP();
  } else if (op == OP_TYPICAL_P) {
    toCandidates();
    candWarper(op);
  }
}

/** How many tokens are still kept (finite and above the dense threshold, or the candidates). */
function keptCount(): i32 {
  return dense ? countGE(wPtr, vpad, floorThr()) : n;
}

/**
 * Temperature; with P_DYN_RANGE > 0, llama.cpp's dynamic temperature (temp_ext): the temperature moves
 * between T - range (not below 0) and T + range with the normalised entropy of the current distribution,
 * raised to P_DYN_EXPONENT; a resulting temperature <= 0 keeps only the best token.
 */
function temperature(): void {
  const t = param(P_TEMPERATURE), range = param(P_DYN_RANGE);
  eValid = false;
  if (range <= 0) { s = s / t; return; }
  const kept = keptCount();
  if (kept <= 1) return; // llama.cpp: nothing to do for a single candidate
  let h: f64;
  if (dense) {
    ensureMax();
    if (err) return;
    const z = expPass(wPtr, ptr(F_EXP), vpad, mx, <f32>s, floorThr(), true);
    h = Math.log(z) - s * moment / z;
  } else {
    h = candEntropy(candExp());
  }
  const lo2 = max(0.0, t - range), hi2 = t + range;
  const dyn = lo2 + (hi2 - lo2) * powPos(h / Math.log(<f64>kept), param(P_DYN_EXPONENT));
  if (dyn > 0) { s = s / dyn; return; }
  if (dense) denseTopK(1, true); else candTopK(1, true);
}

/**
 * XTC, "exclude top choices" (llama.cpp): with probability P_XTC_PROBABILITY (XTC's own stream), every
 * token with probability >= P_XTC_THRESHOLD but the least likely of them is removed, if at least
 * minTokensToKeep remain. No draw happens when it cannot apply (threshold > 0.5, fewer than 2 tokens).
 */
function xtc(): void {
  const prob = param(P_XTC_PROBABILITY), thr = param(P_XTC_THRESHOLD);
  if (prob <= 0 || thr > 0.5) return;
  if (dense) { ensureMax(); if (err) return; }
  const kept = keptCount();
  if (kept < 2) return;
  if (nextXtcDouble(!(runFlags & FLAG_SAMPLE)) > prob) return;
  // The tokens at or above the threshold become candidates (at most 1 / threshold of them).
  if (dense) {
    const z = expPass(wPtr, ptr(F_EXP), vpad, mx, <f32>s, floorThr(), false);
    const t = <f32>(<f64>mx + (Math.log(thr) + Math.log(z)) / s);
    const c = gather(wPtr, vpad, max(t, floorThr()), ptr(F_CAND_IDX), ptr(F_CAND_VAL));
    if (c < 2 || kept - (c - 1) < minKeep()) return;
    let last = 0; // the least likely of them: lowest logit, then highest id
    for (let i = 1; i < c; i++) if (valAt(i) < valAt(last) || (valAt(i) == valAt(last) && idAt(i) > idAt(last))) last = i;
    for (let i = 0; i < c; i++) if (i != last) patch(idAt(i), -Infinity);
    mValid = false;
    eValid = false;
    return;
  }
  const z = candExp();
  let c = 0, last = -1;
  for (let i = 0; i < n; i++) {
    if (wAt(i) / z >= thr) {
      c++;
      if (last < 0 || valAt(i) < valAt(last) || (valAt(i) == valAt(last) && idAt(i) > idAt(last))) last = i;
    }
  }
  if (c < 2 || n - (c - 1) < minKeep()) return;
  for (let i = 0; i < n; i++) setW(i, i == last || wAt(i) / z < thr ? 1 : 0);
  n = compactByFlag(n);
}

/**
 * Mirostat (Basu et al. 2021, llama.cpp). v2 keeps the tokens whose surprise -log2(p) is at most mu (at
 * least the best one). v1 estimates the Zipf exponent s_hat from the 100 most likely tokens and keeps the
 * top k = ((s_hat - 1) * 2^mu / (1 - V^(1 - s_hat)))^(1 / s_hat). The caller updates mu from the drawn
 * token's log-probability.
 */
function mirostat(): void {
  const mu = param(P_MIROSTAT_MU);
  if (dense) { ensureMax(); if (err) return; }
  if (param(P_MIROSTAT) == 2) {
    if (dense) {
      const z = expPass(wPtr, ptr(F_EXP), vpad, mx, <f32>s, floorThr(), false);
      eValid = true;
      const thr = <f32>(<f64>mx + (Math.log(z) - mu * Math.LN2) / s);
      if (thr > mx) { denseTopK(1, true); return; } // nothing that unsurprising: the best token alone
      if (thr > lo) lo = thr;
      return;
    }
    const z = candExp();
    const cut = powPos(2, -mu) * z;
    let c = 0;
    for (let i = 0; i < n; i++) { const k = wAt(i) >= cut ? 1 : 0; setW(i, k); c += k; }
    if (c == 0) { candTopK(1, true); return; }
    n = compactByFlag(n);
    return;
  }
  // v1: the m = 100 most likely tokens, in order
  const m = 100;
  let c: i32;
  if (dense) {
    c = gatherAtLeast(m);
  } else {
    c = n;
  }
  if (c > m) { wselect(c, BY_VALUE, <f64>m, true); c = m; }
  sortRange(0, c - 1, BY_VALUE);
  let sumTB: f64 = 0, sumTT: f64 = 0;
  for (let i = 0; i + 1 < c && i < m - 1; i++) {
    const ti = Math.log(<f64>(i + 2) / <f64>(i + 1));
    const bi = s * (valAt(i) - valAt(i + 1)); // ln(p_i / p_i+1)
    sumTB += ti * bi;
    sumTT += ti * ti;
  }
  const sHat = sumTB / sumTT;
  const epsHat = sHat - 1;
  let k = powPos((epsHat * powPos(2, mu)) / (1 - powPos(<f64>vocab, -epsHat)), 1 / sHat);
  if (!(k >= 1)) k = 1;
  if (k > <f64>vocab) k = <f64>vocab;
  if (dense) denseTopK(<i32>k, true); else candTopK(<i32>k, true);
}

function applyOp(op: i32): void {
  if (op == OP_TEMPERATURE) { temperature(); return; }
  if (op == OP_XTC) { xtc(); return; }
  if (op == OP_MIROSTAT) { mirostat(); return; }
  if (!isWarper(op)) {
    // A processor after a truncation: removed tokens must stay removed and kept ones keep their new
    // values, which a lazy threshold cannot express; switch to candidates first.
    if (dense && lo > LOWEST) toCandidates();
    if (dense) denseProcessor(op); else candProcessor(op);
    return;
  }
  if (dense) denseWarper(op); else candWarper(op);
}

// ---- finishing: the draw, the distribution, the top log-probabilities ----

function finishGreedy(flags: i32): i32 {
  let tok = 0;
  if (dense) {
    ensureMax();
    if (err) return 0;
    tok = firstIndexOf(wPtr, vpad, ptr(F_BLOCKS), mx);
  } else {
    const b = argBest(n);
    swap(b, 0);
    tok = <i32>idAt(0);
  }
  setResult(R_LOGPROB, 0);
  if (flags & FLAG_PROBS) {
    memory.fill(ptr(F_EXP), 0, <usize>vpad << 2);
    store<f32>(ptr(F_EXP) + (<usize>tok << 2), 1);
  }
  if (flags & FLAG_TOP) {
    store<u32>(ptr(F_CAND_IDX), tok);
    setKey(0, 0);
    setResult(R_N_TOP, 1);
  }
  return tok;
}

/** Above this many survivors a thresholded dense distribution is drawn with SIMD passes, not as candidates. */
const DENSE_FINISH_MIN: i32 = 2048;

function finish(flags: i32): i32 {
  if (deferTopP) {
    const d = drawTopP();
    if (d >= 0) return d;
    // 16 rejections: drawTopP placed the cut, and the draw proceeds as usual below
  }
  if (dense) {
    ensureMax();
    if (err) return 0;
    // Few survivors of a threshold: candidates (cheap exact work). Many: stay dense, the threshold a mask.
    if (lo > LOWEST) {
      const c = gather(wPtr, vpad, lo, ptr(F_CAND_IDX), ptr(F_CAND_VAL), flags & FLAG_TOP ? i32.MAX_VALUE : DENSE_FINISH_MIN);
      if (c >= 0) { n = c; dense = false; }
    }
  }
  const topN = <i32>param(P_TOP_N);
  let tok = 0;
  if (dense) {
    const e = ptr(F_EXP);
    const blocks = ptr(F_BLOCKS);
    const thr = lo; // LOWEST, or a threshold that keeps more than DENSE_FINISH_MIN tokens
    const reuse = eValid && !(flags & FLAG_PROBS); // exp values stored by an earlier pass still hold
    // probs() needs every exp value stored; a draw needs only block sums and one recomputed block.
    let z: f64;
    if (reuse) z = maskedBlockSums(e, wPtr, vpad, blocks, thr);
    else if (flags & FLAG_PROBS) z = expPass(wPtr, e, vpad, mx, <f32>s, thr, false);
    else z = expBlockSums(wPtr, vpad, blocks, mx, <f32>s, thr);
    const lz = Math.log(z);
    if (flags & FLAG_SAMPLE) {
      const target = nextDouble() * z;
      if (reuse) tok = drawMaskedBlocks(e, wPtr, vpad, blocks, thr, target);
      else if (flags & FLAG_PROBS) tok = drawDense(e, vpad, target);
      else tok = drawBlocks(wPtr, vpad, blocks, mx, <f32>s, thr, target, e);
      if (flags & FLAG_LOGPROB) setResult(R_LOGPROB, s * (<f64>load<f32>(wPtr + (<usize>tok << 2)) - <f64>mx) - lz);
    }
    if (flags & FLAG_TOP) {
      let c = gatherAtLeast(topN);
      if (c > topN) { wselect(c, BY_VALUE, <f64>topN, true); c = topN; }
      sortRange(0, c - 1, BY_VALUE);
      for (let i = 0; i < c; i++) setKey(i, s * (valAt(i) - <f64>mx) - lz);
      setResult(R_N_TOP, <f64>c);
    }
    if (flags & FLAG_PROBS) scale(e, vpad, <f32>(1.0 / z));
    return tok;
  }
  const z = candExp();
  const lz = Math.log(z);
  if (flags & FLAG_SAMPLE) {
    // Inverse CDF in token-id order, as the dense draw walks: the token a random number picks depends on
    // the distribution alone, not on how the candidates were gathered. A weighted quickselect, no sort.
    let pick = wselect(n, BY_ID, nextDouble() * z, false);
    if (wAt(pick) == 0) { // rounding ran past the last positive weight: take the highest id that has one
      for (let i = 0; i < n; i++) if (wAt(i) > 0 && (wAt(pick) == 0 || idAt(i) > idAt(pick))) pick = i;
    }
    tok = <i32>idAt(pick);
    setResult(R_LOGPROB, s * (valAt(pick) - cMax) - lz);
  }
  if (flags & FLAG_PROBS) {
    const e = ptr(F_EXP);
    memory.fill(e, 0, <usize>vpad << 2);
    for (let i = 0; i < n; i++) store<f32>(e + (<usize>idAt(i) << 2), <f32>(wAt(i) / z));
  }
  if (flags & FLAG_TOP) {
    let c = n;
    if (c > topN) { wselect(c, BY_VALUE, <f64>topN, true); c = topN; }
    sortRange(0, c - 1, BY_VALUE);
    for (let i = 0; i < c; i++) setKey(i, s * (valAt(i) - cMax) - lz);
    setResult(R_N_TOP, <f64>c);
  }
  return tok;
}

/**
 * Runs the chain over the logits in F_LOGITS. flags: FLAG_SAMPLE draws a token (returned),
 * FLAG_PROBS writes the final distribution to F_EXP, FLAG_TOP writes the best P_TOP_N candidates
 * (ids in F_CAND_IDX, logprobs in F_CAND_K). Returns the token, or a negative ERR_* code; the
 * caller's logits are unchanged either way.
 */
/**
 * The penalty window's (token, count) pairs from the raw ids in F_CTX, in order of first occurrence (as
 * the JavaScript side builds them when it writes F_PAIRS itself). F_COUNTS holds each token's pair index
 * + 1 meanwhile and is zero again afterwards.
 */
function countWindow(m: i32): void {
  const ids = ptr(F_CTX), pairs = ptr(F_PAIRS), counts = ptr(F_COUNTS);
  let d: u32 = 0;
  for (let i = 0; i < m; i++) {
    const t = load<u32>(ids + (<usize>i << 2));
    const c = counts + (<usize>t << 2);
    const at = load<u32>(c);
    if (at == 0) {
      const e = pairs + (<usize>d << 3);
      store<u32>(e, t);
      store<u32>(e, 1, 4);
      d++;
      store<u32>(c, d);
    } else {
      const e = pairs + (<usize>(at - 1) << 3);
      store<u32>(e, load<u32>(e, 4) + 1, 4);
    }
  }
  for (let k: u32 = 0; k < d; k++) store<u32>(counts + (<usize>load<u32>(pairs + (<usize>k << 3)) << 2), 0);
  setParam(P_N_PAIRS, <f64>d);
}

export function run(flags: i32): i32 {
  epoch++;
  if (epoch == 0) { memory.fill(ptr(F_STAMP), 0, <usize>vpad << 2); epoch = 1; }
  dense = true;
  wPtr = ptr(F_LOGITS);
  lo = LOWEST;
  mValid = false;
  eValid = false;
  s = 1;
  n = 0;
  nRestore = 0;
  err = 0;
  const nCtx = <i32>param(P_N_CTX);
  if (nCtx > 0) { countWindow(nCtx); setParam(P_N_CTX, 0); } // the pairs stand until the caller writes again
  const greedy = param(P_GREEDY) != 0;
  const nops = <i32>param(P_N_OPS);
  const prog = ptr(F_PROGRAM);
  runFlags = flags;
  deferTopP = false;
  for (let k = 0; k < nops; k++) {
    const op = load<i32>(prog + (<usize>k << 2));
    if (greedy && isWarper(op)) continue;
    lastOp = k == nops - 1;
    applyOp(op);
    if (err) break;
  }
  let tok = 0;
  if (!err) tok = greedy ? finishGreedy(flags) : finish(flags);
  restoreAll();
  return err != 0 ? err : tok;
}

// ---- beam search: per-row log-softmax normaliser and top-k gather ----

/**
 * Row r of a beam search in one read of its logits from memory: validation, the max, a gather from a
 * sampled threshold (the threshold needs no max) and the log-softmax normaliser ln(sum exp(x)) into
 * R_LOGPROB, block by block (each block's exp values against the running max, from L1). The candidate arrays receive the row's top k tokens (every token tied with the k-th
 * included), unordered. Returns how many, or an ERR_* code (the error index is within the row).
 */
export function beamRow(r: i32, k: i32): i32 {
  if (r < 0 || r >= rows) return ERR_ALL_REMOVED;
  err = 0;
  wPtr = ptr(F_LOGITS) + (<usize>(r * vpad) << 2);
  lo = LOWEST;
  const thr = estimateThreshold(k, 0);
  n = maxGatherExpSum(wPtr, vpad, thr, ptr(F_CAND_IDX), ptr(F_CAND_VAL));
  mx = gatherMax;
  checkMax();
  if (err) return err;
  if (n < k && thr > LOWEST) n = gatherAtLeast(k, 1);
  setResult(R_LOGPROB, <f64>mx + Math.log(fusedSum));
  candTopK(k, false);
  return n;
}
