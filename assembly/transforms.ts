// The transforms: one function per transform, each handling both forms of the current distribution
// (dense, or candidates: see state.ts), and apply(), the one switch from op code to function. A new
// transform is its function here, its case in apply(), its op code and parameter slots in layout.ts, and its
// entry in js/transforms.ts.
import {
  vocab,
  vpad,
  ptr,
  param,
  F_LOGITS,
  F_WORK,
  F_EXP,
  F_COUNTS,
  F_STAMP,
  F_BANMARK,
  F_BIAS,
  F_MASK,
  F_PAIRS,
  F_BANS,
  F_BIAS_LIST,
  F_RESTORE,
  F_DRY,
  P_TEMPERATURE,
  P_TOP_K,
  P_TOP_P,
  P_MIN_P,
  P_TYPICAL_P,
  P_EPSILON,
  P_ETA,
  P_TOP_N_SIGMA,
  P_TOP_A,
  P_REPETITION,
  P_PRESENCE,
  P_FREQUENCY,
  P_N_BIAS,
  P_N_PAIRS,
  P_N_BAN_NGRAM,
  P_N_BAN_WORDS,
  P_N_SUPPRESS,
  P_DYN_RANGE,
  P_DYN_EXPONENT,
  P_XTC_PROBABILITY,
  P_XTC_THRESHOLD,
  P_N_DRY,
  P_DRY_MULTIPLIER,
  P_DRY_BASE,
  P_MIROSTAT,
  P_MIROSTAT_MU,
  OP_SUPPRESS,
  OP_REPETITION,
  OP_PRESENCE,
  OP_FREQUENCY,
  OP_DRY,
  OP_NGRAM_BANS,
  OP_BAD_WORDS,
  OP_LOGIT_BIAS,
  OP_ALLOWED,
  OP_FIRST_WARPER,
  OP_TEMPERATURE,
  OP_TOP_N_SIGMA,
  OP_TOP_K,
  OP_TOP_P,
  OP_MIN_P,
  OP_TYPICAL_P,
  OP_EPSILON,
  OP_ETA,
  OP_XTC,
  OP_MIROSTAT,
  OP_TOP_A,
  FLAG_SAMPLE,
  ERR_INVALID_LOGIT,
  ERR_ALL_REMOVED,
} from "./layout";
import {
  findInvalid,
  expPass,
  moment,
  maskCopy,
  suspect,
  moments,
  momentCount,
  momentSum,
  momentSq,
  massAbove,
  aboveMass0,
  aboveCount0,
} from "./kernels";
import { BY_VALUE, BY_KEY, wselect, sortRange, compactByFlag, idAt, valAt, wAt, keyAt } from "./select";
import { nextXtcDouble } from "./rng";
import { powPos, exp64, log64 } from "./math";
import {
  LOWEST,
  dense,
  wPtr,
  lo,
  mx,
  mValid,
  eValid,
  s,
  n,
  nRestore,
  runFlags,
  lastOp,
  epoch,
  err,
  llamaSize,
  llamaFloor,
  setW,
  setKey,
  setVal,
  minKeep,
  llama,
  fail,
  ensureMax,
  patch,
  current,
  restoreAll,
  floorThr,
  gatherAtLeast,
  toCandidates,
  fewToCandidates,
  gatherKept,
  sampledAbove,
  denseExp,
  DENSE_FINISH_MIN,
  candExp,
  candEntropy,
  cMax,
  candTopK,
  keepFlagged,
  denseTopK,
  denseThreshold,
  keptCount,
} from "./state";
import {
  MASS_SLACK,
  bracketCut,
  cutByMass,
  denseTopP,
  deferTopP,
  deferP,
  deferTies,
  deferThr,
  deferMass,
  deferCount,
} from "./cut";

let banEpoch: u32 = 0;

/** Applies one op of the program to the current distribution. */
export function apply(op: i32): void {
  // A processor after a truncation: removed tokens must stay removed and kept ones keep their new
  // values, which a lazy threshold cannot express; switch to candidates first. A warper after a truncation
  // that kept few tokens works on them as candidates too.
  if (op < OP_FIRST_WARPER && dense && lo > LOWEST) toCandidates();
  else fewToCandidates(DENSE_FINISH_MIN);
  switch (op) {
    case OP_SUPPRESS:
    case OP_NGRAM_BANS:
    case OP_BAD_WORDS:
      bans(op);
      break;
    case OP_REPETITION:
    case OP_PRESENCE:
    case OP_FREQUENCY:
      penalty(op);
      break;
    case OP_DRY:
      dry();
      break;
    case OP_LOGIT_BIAS:
      logitBias();
      break;
    case OP_ALLOWED:
      allowed();
      break;
    case OP_TEMPERATURE:
      temperature();
      break;
    case OP_TOP_N_SIGMA:
      topNSigma();
      break;
    case OP_TOP_K:
      topK();
      break;
    case OP_TOP_P:
      topP();
      break;
    case OP_MIN_P:
      minP();
      break;
    case OP_TYPICAL_P:
      typicalP();
      break;
    case OP_EPSILON:
    case OP_ETA:
      epsilonEta(op == OP_ETA);
      break;
    case OP_XTC:
      xtc();
      break;
    case OP_MIROSTAT:
      mirostat();
      break;
    case OP_TOP_A:
      topA();
      break;
  }
  if (op < OP_FIRST_WARPER) {
    // a processor moved logits: the stored exp values no longer hold (nor, dense, the max)
    eValid = false;
    if (dense) mValid = false;
  }
}

/**
 * Before a truncation that keeps at least `keep` tokens: under llama.cpp's rules its array then holds the
 * finite tokens kept, or `keep` of them with -inf ones where fewer are finite (its sort puts those last).
 */
function truncating(keep: i32): void {
  if (!llama()) return;
  llamaFloor = keep > 1 ? min(keep, keptCount()) : 0;
  llamaSize = -1;
}

/** Ends a candidate processor: drops the candidates it flagged (weight 0); nothing left is an error. */
function compactProcessed(): void {
  n = compactByFlag(n);
  if (n == 0) fail(ERR_ALL_REMOVED, -1, 0);
}

// ---- processors: penalties, DRY, bans, bias, masks ----

/** The ban list of a banning op: n-gram bans, bad-word bans, suppressed tokens, one vpad-sized segment each. */
function banSegment(op: i32): usize {
  const seg = op == OP_NGRAM_BANS ? 0 : op == OP_BAD_WORDS ? 1 : 2;
  return ptr(F_BANS) + ((<usize>(seg * vpad)) << 2);
}

function banCount(op: i32): i32 {
  return <i32>param(op == OP_NGRAM_BANS ? P_N_BAN_NGRAM : op == OP_BAD_WORDS ? P_N_BAN_WORDS : P_N_SUPPRESS);
}

/** No-repeat n-gram bans, bad-word bans and suppressed tokens (HF): the op's ban list is set to -inf. */
function bans(op: i32): void {
  const base = banSegment(op);
  const nb = banCount(op);
  if (dense) {
    for (let k = 0; k < nb; k++) {
      const t = load<u32>(base + ((<usize>k) << 2));
      current(t);
      if (err) return;
      patch(t, -Infinity);
    }
    return;
  }
  const marks = ptr(F_BANMARK);
  banEpoch++;
  if (banEpoch == 0) {
    memory.fill(marks, 0, (<usize>vpad) << 2);
    banEpoch = 1;
  }
  for (let k = 0; k < nb; k++) store<u32>(marks + ((<usize>load<u32>(base + ((<usize>k) << 2))) << 2), banEpoch);
  for (let i = 0; i < n; i++) setW(i, load<u32>(marks + ((<usize>idAt(i)) << 2)) == banEpoch ? 0 : 1);
  compactProcessed();
}

// The penalty parameters of the op being applied, read once into globals: a loop that stores to memory
// cannot keep a memory load out of its body, but a global read costs nothing.
let penRep: f64 = 1,
  penShift: f64 = 0,
  penFreq: f64 = 0;
function loadPenalties(): void {
  penRep = param(P_REPETITION);
  penShift = param(P_PRESENCE) / s;
  penFreq = param(P_FREQUENCY);
}

/** Penalties from the (token, count) pairs of the window, in the effective (scaled) logit space; after loadPenalties(). */
@inline function penalize(op: i32, x: f64, c: u32): f64 {
  if (op == OP_REPETITION) return x > 0 ? x / penRep : x * penRep; // CTRL / HF: divide positive logits, multiply negative ones
  if (op == OP_PRESENCE) return x - penShift;
  return x - (penFreq * <f64>c) / s;
}

/**
 * A repetition, presence or frequency penalty on the dense logits: patch() by hand with every pointer read
 * once (a store to memory could alias them, so the compiler reloads them inside the loop otherwise).
 * Contexts of hundreds of distinct tokens make this loop matter.
 */
function densePenalty(op: i32): void {
  const pairs = ptr(F_PAIRS),
    np = <i32>param(P_N_PAIRS);
  const w = wPtr,
    stamps = ptr(F_STAMP),
    restore = ptr(F_RESTORE);
  const tracked = w == ptr(F_LOGITS),
    ep = epoch;
  loadPenalties();
  let nr = nRestore;
  for (let k = 0; k < np; k++) {
    const e = pairs + ((<usize>k) << 3);
    const t = load<u32>(e),
      c = load<u32>(e, 4);
    if (c == 0) continue;
    const a = w + ((<usize>t) << 2);
    const x = load<f32>(a);
    if (isNaN(x) || x == Infinity) {
      nRestore = nr;
      fail(ERR_INVALID_LOGIT, <i32>t, <f64>x);
      return;
    }
    const y = penalize(op, <f64>x, c); // f64, then one rounding to f32
    if (tracked) {
      const st = stamps + ((<usize>t) << 2);
      if (load<u32>(st) != ep) {
        store<u32>(st, ep);
        const r = restore + ((<usize>nr) << 3);
        store<u32>(r, t);
        store<f32>(r, x, 4);
        nr++;
      }
    }
    store<f32>(a, <f32>y);
  }
  nRestore = nr;
}

/** Repetition (CTRL / HF), presence and frequency (OpenAI) penalties over the penalty window's (token, count) pairs. */
function penalty(op: i32): void {
  if (dense) {
    densePenalty(op);
    return;
  }
  const pairs = ptr(F_PAIRS),
    counts = ptr(F_COUNTS),
    np = <i32>param(P_N_PAIRS);
  loadPenalties();
  for (let k = 0; k < np; k++) {
    store<u32>(counts + ((<usize>load<u32>(pairs + ((<usize>k) << 3))) << 2), load<u32>(pairs + ((<usize>k) << 3), 4));
  }
  for (let i = 0; i < n; i++) {
    const c = load<u32>(counts + ((<usize>idAt(i)) << 2));
    if (c != 0) setVal(i, <f64>(<f32>penalize(op, valAt(i), c))); // logits stay f32 values, as on the dense path
  }
  for (let k = 0; k < np; k++) store<u32>(counts + ((<usize>load<u32>(pairs + ((<usize>k) << 3))) << 2), 0);
}

/**
 * DRY's penalty for a repeat `e` tokens longer than the allowed length: multiplier * base ** e, the
 * exponent capped so the power stays below the float32 range (llama.cpp's rule).
 */
function dryPenalty(e: u32): f64 {
  const base = param(P_DRY_BASE);
  let x = <f64>e;
  if (base > 1.000001) {
    const cap = Math.floor(88.7228391 / log64(base));
    if (x > cap) x = cap;
  }
  return param(P_DRY_MULTIPLIER) * powPos(base, x);
}

/** DRY (llama.cpp): a penalty for each (token, exponent) pair of F_DRY, which js/dry.ts found in the context. */
function dry(): void {
  const list = ptr(F_DRY),
    nd = <i32>param(P_N_DRY);
  if (dense) {
    for (let k = 0; k < nd; k++) {
      const t = load<u32>(list + ((<usize>k) << 3));
      const x = current(t);
      if (err) return;
      patch(t, <f32>(<f64>x - dryPenalty(load<u32>(list + ((<usize>k) << 3), 4)) / s));
    }
    return;
  }
  const counts = ptr(F_COUNTS);
  for (let k = 0; k < nd; k++)
    store<u32>(
      counts + ((<usize>load<u32>(list + ((<usize>k) << 3))) << 2),
      load<u32>(list + ((<usize>k) << 3), 4) + 1,
    );
  for (let i = 0; i < n; i++) {
    const c = load<u32>(counts + ((<usize>idAt(i)) << 2));
    if (c != 0) setVal(i, <f64>(<f32>(valAt(i) - dryPenalty(c - 1) / s)));
  }
  for (let k = 0; k < nd; k++) store<u32>(counts + ((<usize>load<u32>(list + ((<usize>k) << 3))) << 2), 0);
}

/** Logit bias: added to the logit (in the unscaled space); -Infinity bans the token. */
function logitBias(): void {
  if (dense) {
    const list = ptr(F_BIAS_LIST),
      nb = <i32>param(P_N_BIAS);
    for (let k = 0; k < nb; k++) {
      const t = load<u32>(list + ((<usize>k) << 3)),
        b = load<f32>(list + ((<usize>k) << 3), 4);
      const x = current(t);
      if (err) return;
      patch(t, b == -Infinity ? -Infinity : <f32>(<f64>x + <f64>b / s));
    }
    return;
  }
  const bias = ptr(F_BIAS);
  for (let i = 0; i < n; i++) {
    const b = load<f32>(bias + ((<usize>idAt(i)) << 2));
    setW(i, b == -Infinity ? 0 : 1);
    if (b != 0 && b != -Infinity) setVal(i, <f64>(<f32>(valAt(i) + <f64>b / s)));
  }
  compactProcessed();
}

/** The allowed-token bitmask (grammars): dense, a masked copy of the logits becomes the working buffer. */
function allowed(): void {
  if (dense) {
    const src = wPtr;
    maskCopy(src, ptr(F_WORK), ptr(F_MASK), vpad);
    if (suspect) {
      const i = findInvalid(src, vocab);
      if (i >= 0) {
        fail(ERR_INVALID_LOGIT, i, <f64>load<f32>(src + ((<usize>i) << 2)));
        return;
      }
    }
    restoreAll(); // the copy holds the patched values; the caller's logits go back now
    wPtr = ptr(F_WORK);
    return;
  }
  const mask = ptr(F_MASK);
  for (let i = 0; i < n; i++) {
    const t = idAt(i);
    setW(i, <f64>((load<u32>(mask + ((<usize>(t >> 5)) << 2)) >>> (t & 31)) & 1));
  }
  compactProcessed();
}

// ---- warpers: temperature and the truncations ----

/** Only the best token stays (lowest id among ties); llama.cpp masks the others, so its array keeps its size. */
function keepBest(): void {
  const size = llama() ? keptCount() : -1;
  if (dense) denseTopK(1, true);
  else candTopK(1, true);
  llamaSize = size;
}

/**
 * Temperature; with P_DYN_RANGE > 0, llama.cpp's dynamic temperature (temp_ext): the temperature moves
 * between T - range (not below 0) and T + range with the normalised entropy of the current distribution,
 * raised to P_DYN_EXPONENT; a resulting temperature <= 0 keeps only the best token (lowest id among ties), as
 * does a temperature of 0 under llama.cpp's rules (Hugging Face's greedy skips the warpers instead).
 */
function temperature(): void {
  const t = param(P_TEMPERATURE),
    range = param(P_DYN_RANGE);
  eValid = false;
  if (range <= 0 && t <= 0) {
    keepBest();
    return;
  } // llama.cpp's rules: a zero temperature where it stands
  if (range <= 0) {
    s = s / t;
    return;
  }
  const kept = keptCount();
  if (kept <= 1) return; // llama.cpp: nothing to do for a single candidate
  let h: f64;
  if (dense) {
    ensureMax();
    if (err) return;
    // after a truncation that kept few tokens (min-p, as llama.cpp's chain has it): they become candidates
    if (kept <= DENSE_FINISH_MIN) toCandidates();
  }
  if (dense) {
    const z = expPass(wPtr, ptr(F_EXP), vpad, mx, s, floorThr(), true);
    h = log64(z) - (s * moment) / z;
  } else {
    h = candEntropy(candExp());
  }
  const lo2 = max(0.0, t - range),
    hi2 = t + range;
  const dyn = lo2 + (hi2 - lo2) * powPos(h / log64(<f64>kept), param(P_DYN_EXPONENT));
  if (dyn > 0) {
    s = s / dyn;
    return;
  }
  keepBest();
}

/**
 * Top-n-sigma (Tang et al. 2024, llama.cpp): keep logit >= max - n * std over the kept tokens. llama.cpp
 * masks rather than removes and takes no minTokensToKeep; Hugging Face-style orders keep minTokensToKeep.
 */
function topNSigma(): void {
  const mk = llama() ? 1 : minKeep();
  const size = llama() ? keptCount() : -1; // llama.cpp masks: its array keeps its size
  topNSigmaCut(mk);
  llamaSize = size;
}

function topNSigmaCut(mk: i32): void {
  if (dense) {
    ensureMax();
    if (err) return;
    moments(wPtr, vpad, floorThr(), mx);
    const c = <f64>momentCount,
      mean = momentSum / c;
    const sd = Math.sqrt(max(momentSq / c - mean * mean, 0));
    denseThreshold(<f32>(<f64>mx - param(P_TOP_N_SIGMA) * sd), true, mk);
    return;
  }
  let m = -Infinity,
    sum: f64 = 0;
  for (let i = 0; i < n; i++) {
    m = max(m, valAt(i));
    sum += valAt(i);
  }
  const mean = sum / <f64>n;
  let acc: f64 = 0;
  for (let i = 0; i < n; i++) {
    const d = valAt(i) - mean;
    acc += d * d;
  }
  const thr = m - param(P_TOP_N_SIGMA) * Math.sqrt(acc / <f64>n);
  for (let i = 0; i < n; i++) setW(i, valAt(i) >= thr ? 1 : 0);
  keepFlagged(true, BY_VALUE, mk);
}

/**
 * Top-k (Fan et al. 2018). Hugging Face keeps every token tied with the k-th and at least minTokensToKeep
 * (js writes max(topK, minTokensToKeep)); llama.cpp keeps exactly k, lowest ids first among ties.
 */
function topK(): void {
  const k = <i32>param(P_TOP_K),
    exact = llama();
  if (exact) llamaSize = min(k, keptCount()); // llama.cpp keeps k, -inf tokens too where fewer are finite
  if (dense) denseTopK(k, exact);
  else candTopK(k, exact);
}

/** Top-p, nucleus sampling (Holtzman et al. 2019): the smallest set of most likely tokens with mass >= p. */
function topP(): void {
  truncating(minKeep());
  if (dense) {
    ensureMax();
    if (!err) denseTopP();
    return;
  }
  const z = candExp();
  cutByMass(param(P_TOP_P) * z * MASS_SLACK);
}

/**
 * Min-p (Nguyen et al. 2024): keep p >= minP * p_max, a threshold in logit space. Above 1 (llama.cpp's rules
 * only) nothing passes, and llama.cpp keeps its best max(1, minTokensToKeep).
 */
function minP(): void {
  const mp = param(P_MIN_P);
  truncating(mp > 1 ? max(1, minKeep()) : minKeep());
  if (mp > 1) {
    // llama.cpp's rules only: nothing passes, and its best max(1, minTokensToKeep) stay
    if (dense) denseTopK(max(1, minKeep()), true);
    else candTopK(max(1, minKeep()), true);
    return;
  }
  if (dense) {
    ensureMax();
    if (!err) denseThreshold(<f32>(<f64>mx + log64(mp) / s), false, minKeep());
    return;
  }
  // p >= minP * p_max in logit space, as the dense path (no exp): x >= max + ln(minP) / s
  let m = -Infinity;
  for (let i = 0; i < n; i++) m = max(m, valAt(i));
  const cut = m + log64(mp) / s;
  for (let i = 0; i < n; i++) setW(i, valAt(i) >= cut ? 1 : 0);
  keepFlagged(false, BY_VALUE, minKeep());
}

/**
 * Top-a (KoboldCpp, text-generation-webui): keep p >= topA * p_max^2, at least minTokensToKeep. As
 * p / p_max = exp(s (x - max)) and p_max = 1 / Z, the cut is x >= max + (ln(topA) - ln Z) / s.
 */
function topA(): void {
  truncating(minKeep());
  const a = param(P_TOP_A);
  if (dense) {
    ensureMax();
    if (err) return;
    const z = denseExp(false);
    denseThreshold(<f32>(<f64>mx + (log64(a) - log64(z)) / s), false, minKeep());
    return;
  }
  const z = candExp();
  for (let i = 0; i < n; i++) setW(i, wAt(i) >= a / z ? 1 : 0);
  keepFlagged(false, BY_VALUE, minKeep());
}

/**
 * Locally typical sampling (Meister et al. 2022, HF): the tokens closest to the entropy, up to mass p.
 * Dense: one exp pass (with the moment, for the entropy H). A token's distance to H is s |x - x*| with
 * x* = mx + (ln Z - H) / s (<= mx, as H >= -ln p_max), so the kept set is the interval of logits around x* of
 * the smallest radius whose tokens weigh p Z. The tokens within r = max(3 nats / s, mx - x*) are gathered: if
 * they weigh that much, the cut among them is exact; if not, the kept interval is wider than mx - x*, reaches
 * the max, and is a threshold found like a top-p cut (see below).
 */
function typicalP(): void {
  truncating(minKeep());
  const p = param(P_TYPICAL_P);
  let z: f64, h: f64, top: f64;
  let flagged = false;
  if (dense) {
    ensureMax();
    if (err) return;
    const e = ptr(F_EXP),
      floor = floorThr();
    z = denseExp(true);
    h = log64(z) - (s * moment) / z;
    top = <f64>mx;
    const xs = <f64>mx + moment / z; // where -ln p = H: the mean logit, since H = ln Z - s (E[x] - mx)
    const r = max(3 / s, <f64>mx - xs);
    const target = p * z * MASS_SLACK;
    const t = max(<f32>(xs - r), floor);
    // Lighter (the tokens within r weigh less than p Z): the kept interval is wider than r >= mx - x*, so it
    // reaches the max, and it is top-p's cut of the same mass with its ties kept (cut.ts). As the last
    // transform of a draw the draw places it by rejection, as it does top-p's; else bracketing places it.
    // With thousands of tokens within r (by the sample) their mass comes from massAbove, not a gather.
    const deferrable = lastOp && runFlags == FLAG_SAMPLE && minKeep() <= 1;
    let mass: f64 = 0;
    n = -1;
    if (deferrable && sampledAbove(t) > DENSE_FINISH_MIN) {
      massAbove(wPtr, e, vpad, t, t, t, t);
      mass = aboveMass0;
      if (mass < target) n = aboveCount0;
    }
    if (n < 0) {
      n = gatherKept(t);
      mass = 0;
      for (let i = 0; i < n; i++) {
        const w = <f64>load<f32>(e + ((<usize>idAt(i)) << 2));
        setW(i, w);
        mass += w;
      }
    }
    if (mass < target && deferrable) {
      deferTopP = true;
      deferP = p;
      deferTies = true;
      deferThr = t;
      deferMass = mass;
      deferCount = n;
      return;
    }
    if (mass < target && bracketCut(target, t, mass, n, true)) return;
    if (mass >= target && typicalCut(z, h, top, p) >= minKeep()) {
      // The kept interval lies among the gathered tokens (radius <= r): the cut among them is exact, and an
      // interval that reaches the top is a threshold (the distribution stays dense: F_EXP holds).
      let low = Infinity,
        hasTop = false;
      for (let i = 0; i < n; i++) {
        if (wAt(i) == 0) continue;
        low = min(low, valAt(i));
        if (valAt(i) == <f64>mx) hasTop = true;
      }
      if (hasTop) {
        if (<f32>low > lo) lo = <f32>low;
        return;
      }
      flagged = true;
    } else {
      // minTokensToKeep reaches past what was gathered: every token
      n = gatherKept(floor);
      for (let i = 0; i < n; i++) setW(i, <f64>load<f32>(e + ((<usize>idAt(i)) << 2)));
    }
    dense = false;
  } else {
    z = candExp();
    h = candEntropy(z);
    top = cMax;
  }
  if (!flagged) typicalCut(z, h, top, p);
  keepFlagged(false, BY_KEY, minKeep());
}

/**
 * Flags (weight 1, else 0) the candidates closest to the entropy h up to mass p z (every token as close as
 * the last one needed stays, as HF), given weights exp(s (x - top)) summing to z over the whole
 * distribution; returns how many are flagged. The weights are left as flags.
 */
function typicalCut(z: f64, h: f64, top: f64, p: f64): i32 {
  const lz = log64(z);
  for (let i = 0; i < n; i++) setKey(i, Math.abs(-(s * (valAt(i) - top) - lz) - h));
  const j = wselect(n, BY_KEY, p * z * MASS_SLACK, false);
  const dk = keyAt(j);
  let c = 0;
  for (let i = 0; i < n; i++) {
    const kept = keyAt(i) <= dk;
    setW(i, kept ? 1 : 0);
    if (kept) c++;
  }
  return c;
}

/**
 * Epsilon and eta sampling (Hewitt et al. 2022, HF): keep p >= epsilon, or p >= min(eta, sqrt(eta) * exp(-H)),
 * with every token tied with the minTokensToKeep-th kept.
 */
function epsilonEta(eta: bool): void {
  truncating(minKeep());
  const eps = param(eta ? P_ETA : P_EPSILON);
  if (dense) {
    ensureMax();
    if (err) return;
    const z = denseExp(eta);
    let cut = eps;
    if (eta) {
      const h = log64(z) - (s * moment) / z;
      cut = min(eps, Math.sqrt(eps) * exp64(-h));
    }
    denseThreshold(<f32>(<f64>mx + (log64(cut) + log64(z)) / s), true, minKeep());
    return;
  }
  const z = candExp();
  const cut = eta ? min(eps, Math.sqrt(eps) * exp64(-candEntropy(z))) : eps;
  for (let i = 0; i < n; i++) setW(i, wAt(i) / z >= cut ? 1 : 0);
  keepFlagged(true, BY_VALUE, minKeep());
}

/**
 * XTC, "exclude top choices" (llama.cpp): with probability P_XTC_PROBABILITY (XTC's own stream), every
 * token with probability >= P_XTC_THRESHOLD but the least likely of them is removed, if at least
 * minTokensToKeep remain. No draw happens when it cannot apply (threshold > 0.5, fewer than 2 tokens). Under
 * llama.cpp's rules the counts include its array's -inf tokens (see llamaSize).
 */
function xtc(): void {
  const prob = param(P_XTC_PROBABILITY),
    thr = param(P_XTC_THRESHOLD);
  if (prob <= 0 || thr > 0.5) return;
  if (dense) {
    ensureMax();
    if (err) return;
  }
  const kept = keptCount();
  if (kept < 2) return;
  if (nextXtcDouble(!(runFlags & FLAG_SAMPLE)) > prob) return;
  // The tokens at or above the threshold become candidates (at most 1 / threshold of them).
  if (dense) {
    const z = expPass(wPtr, ptr(F_EXP), vpad, mx, s, floorThr(), false);
    const t = <f32>(<f64>mx + (log64(thr) + log64(z)) / s);
    const c = gatherKept(max(t, floorThr()));
    if (c < 2 || kept - (c - 1) < minKeep()) return;
    let last = 0; // the least likely of them: lowest logit, then highest id
    for (let i = 1; i < c; i++)
      if (valAt(i) < valAt(last) || (valAt(i) == valAt(last) && idAt(i) > idAt(last))) last = i;
    for (let i = 0; i < c; i++) if (i != last) patch(idAt(i), -Infinity);
    mValid = false;
    eValid = false;
    if (llama()) llamaSize = kept - (c - 1);
    return;
  }
  const z = candExp();
  let c = 0,
    last = -1;
  for (let i = 0; i < n; i++) {
    if (wAt(i) / z >= thr) {
      c++;
      if (last < 0 || valAt(i) < valAt(last) || (valAt(i) == valAt(last) && idAt(i) > idAt(last))) last = i;
    }
  }
  if (c < 2 || kept - (c - 1) < minKeep()) return;
  for (let i = 0; i < n; i++) setW(i, i == last || wAt(i) / z < thr ? 1 : 0);
  n = compactByFlag(n);
  if (llama()) llamaSize = kept - (c - 1);
}

/**
 * Mirostat (Basu et al. 2021, llama.cpp). v2 keeps the tokens whose surprise -log2(p) is at most mu (at
 * least the best one). v1 estimates the Zipf exponent s_hat from the 100 most likely tokens and keeps the
 * top k = ((s_hat - 1) * 2^mu / (1 - V^(1 - s_hat)))^(1 / s_hat). The caller updates mu from the drawn
 * token's log-probability.
 */
function mirostat(): void {
  truncating(1);
  const mu = param(P_MIROSTAT_MU);
  if (dense) {
    ensureMax();
    if (err) return;
  }
  if (param(P_MIROSTAT) == 2) {
    if (dense) {
      const z = denseExp(false);
      const thr = <f32>(<f64>mx + (log64(z) - mu * Math.LN2) / s);
      if (thr > mx) {
        denseTopK(1, true);
        return;
      } // nothing that unsurprising: the best token alone
      if (thr > lo) lo = thr;
      return;
    }
    const z = candExp();
    const cut = powPos(2, -mu) * z;
    let c = 0;
    for (let i = 0; i < n; i++) {
      const k = wAt(i) >= cut ? 1 : 0;
      setW(i, k);
      c += k;
    }
    if (c == 0) {
      candTopK(1, true);
      return;
    }
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
  if (c > m) {
    wselect(c, BY_VALUE, <f64>m, true);
    c = m;
  }
  sortRange(0, c - 1, BY_VALUE);
  let sumTB: f64 = 0,
    sumTT: f64 = 0;
  for (let i = 0; i + 1 < c && i < m - 1; i++) {
    const ti = log64(<f64>(i + 2) / <f64>(i + 1));
    const bi = s * (valAt(i) - valAt(i + 1)); // ln(p_i / p_i+1)
    sumTB += ti * bi;
    sumTT += ti * ti;
  }
  const sHat = sumTB / sumTT;
  const epsHat = sHat - 1;
  let k = powPos((epsHat * powPos(2, mu)) / (1 - powPos(<f64>vocab, -epsHat)), 1 / sHat);
  if (!(k >= 1)) k = 1;
  if (k > <f64>vocab) k = <f64>vocab;
  if (dense) denseTopK(<i32>k, true);
  else candTopK(<i32>k, true);
}
