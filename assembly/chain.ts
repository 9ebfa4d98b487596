// The interpreter: JS writes the options into the parameter slots and the enabled transforms, in order,
// into the program; run() applies them (transforms.ts) over the logits and finishes with a draw, the full
// distribution, or the top log-probabilities.
import {
  vpad,
  ptr,
  param,
  setParam,
  setResult,
  F_LOGITS,
  F_EXP,
  F_CAND_IDX,
  F_STAMP,
  F_BLOCKS,
  F_PROGRAM,
  F_CTX,
  F_PAIRS,
  F_COUNTS,
  P_TOP_N,
  P_GREEDY,
  P_N_OPS,
  P_N_CTX,
  P_N_PAIRS,
  R_LOGPROB,
  R_N_TOP,
  OP_FIRST_WARPER,
  FLAG_SAMPLE,
  FLAG_PROBS,
  FLAG_TOP,
  FLAG_LOGPROB,
  FLAG_AT,
  P_AT,
  F_HELD,
} from "./layout";
import { firstIndexOf, expPass, maskedBlockSums, drawMaskedBlocks, drawDense, scale, residualPass } from "./kernels";
import { BY_VALUE, BY_ID, wselect, sortRange, argBest, swap, idAt, valAt, wAt } from "./select";
import { nextDouble } from "./rng";
import {
  dense,
  wPtr,
  lo,
  mx,
  eValid,
  eZ,
  eCut,
  DENSE_FINISH_MIN,
  s,
  n,
  epoch,
  err,
  lastOp,
  begin,
  setKey,
  ensureMax,
  fewToCandidates,
  blockSums,
  restoreAll,
  gatherAtLeast,
  candExp,
  candFromExp,
  cMax,
} from "./state";
import { deferTopP, drawTopP } from "./cut";
import { apply } from "./transforms";
import { exp64, log64 } from "./math";

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
    memory.fill(ptr(F_EXP), 0, (<usize>vpad) << 2);
    store<f32>(ptr(F_EXP) + ((<usize>tok) << 2), 1);
  }
  if (flags & FLAG_TOP) {
    store<u32>(ptr(F_CAND_IDX), tok);
    setKey(0, 0);
    setResult(R_N_TOP, 1);
  }
  return tok;
}

function finish(flags: i32): i32 {
  if (deferTopP) {
    const d = drawTopP();
    if (d >= 0) return d;
    // 16 rejections: drawTopP placed the cut, and the draw proceeds as usual below
  }
  // candidates gathered after an exp pass, their values unchanged since (processors clear eValid)
  const stored = eValid;
  let whole = false;
  if (dense) {
    ensureMax();
    if (err) return 0;
    // Few survivors of a threshold: candidates (cheap exact work; their weights from F_EXP where an exp
    // pass stored them). Many (by the sample: more than 1/64 of the vocabulary, no gather tried; or by a
    // gather that stops at DENSE_FINISH_MIN): stay dense, the threshold a mask, or none if it removes only
    // exp values that are 0 anyway (F_EXP, its sum and block sums then hold).
    fewToCandidates(flags & FLAG_TOP ? i32.MAX_VALUE : DENSE_FINISH_MIN);
    whole = dense && eValid && lo <= eCut;
  }
  let tok = 0;
  if (dense) {
    const e = ptr(F_EXP);
    const blocks = blockSums();
    const thr = lo; // LOWEST, a threshold that keeps more than DENSE_FINISH_MIN tokens, or one below eCut
    const reuse = whole || (eValid && !(flags & FLAG_PROBS)); // exp values stored by an earlier pass still hold
    // probs() needs exactly the kept tokens' exp values stored; a draw needs block sums (then one block).
    let z: f64;
    if (whole) z = eZ;
    else if (reuse) z = maskedBlockSums(e, wPtr, vpad, blocks, thr);
    else z = expPass(wPtr, e, vpad, mx, s, thr, false, blocks);
    const lz = log64(z);
    if (flags & FLAG_SAMPLE) {
      tok = drawMaskedBlocks(e, wPtr, vpad, blocks, thr, nextDouble() * z);
      if (flags & FLAG_LOGPROB) setResult(R_LOGPROB, s * (<f64>load<f32>(wPtr + ((<usize>tok) << 2)) - <f64>mx) - lz);
    } else if (flags & FLAG_AT) {
      // kept: at or above the threshold (removed tokens are -inf, below any threshold)
      const w = load<f32>(wPtr + ((<usize>(<i32>param(P_AT))) << 2));
      setResult(R_LOGPROB, w >= thr ? s * (<f64>w - <f64>mx) - lz : -Infinity);
    }
    if (flags & FLAG_PROBS) scale(e, vpad, <f32>(1.0 / z));
    if (flags & FLAG_TOP) topFrom(gatherAtLeast(<i32>param(P_TOP_N)), <f64>mx, lz);
    return tok;
  }
  const z = stored ? candFromExp() : candExp();
  const lz = log64(z);
  if (flags & FLAG_SAMPLE) {
    // Inverse CDF in token-id order, as the dense draw walks: the token a random number picks depends on
    // the distribution alone, not on how the candidates were gathered. A weighted quickselect, no sort.
    let pick = wselect(n, BY_ID, nextDouble() * z, false);
    if (wAt(pick) == 0) {
      // rounding ran past the last positive weight: take the highest id that has one
      for (let i = 0; i < n; i++) if (wAt(i) > 0 && (wAt(pick) == 0 || idAt(i) > idAt(pick))) pick = i;
    }
    tok = <i32>idAt(pick);
    setResult(R_LOGPROB, s * (valAt(pick) - cMax) - lz);
  } else if (flags & FLAG_AT) {
    const at = param(P_AT);
    let lp = -Infinity;
    for (let i = 0; i < n; i++) if (<f64>idAt(i) == at) lp = s * (valAt(i) - cMax) - lz;
    setResult(R_LOGPROB, lp);
  }
  if (flags & FLAG_PROBS) {
    const e = ptr(F_EXP);
    memory.fill(e, 0, (<usize>vpad) << 2);
    for (let i = 0; i < n; i++) store<f32>(e + ((<usize>idAt(i)) << 2), <f32>(wAt(i) / z));
  }
  if (flags & FLAG_TOP) topFrom(n, cMax, lz);
  return tok;
}

/** The best P_TOP_N of c candidates, sorted, with their log-probabilities s * (v - ref) - lz in F_CAND_K. */
function topFrom(c: i32, ref: f64, lz: f64): void {
  const topN = <i32>param(P_TOP_N);
  if (c > topN) {
    wselect(c, BY_VALUE, <f64>topN, true);
    c = topN;
  }
  sortRange(0, c - 1, BY_VALUE);
  for (let i = 0; i < c; i++) setKey(i, s * (valAt(i) - ref) - lz);
  setResult(R_N_TOP, <f64>c);
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
  const ids = ptr(F_CTX),
    pairs = ptr(F_PAIRS),
    counts = ptr(F_COUNTS);
  let d: u32 = 0;
  for (let i = 0; i < m; i++) {
    const t = load<u32>(ids + ((<usize>i) << 2));
    const c = counts + ((<usize>t) << 2);
    const at = load<u32>(c);
    if (at == 0) {
      const e = pairs + ((<usize>d) << 3);
      store<u32>(e, t);
      store<u32>(e, 1, 4);
      d++;
      store<u32>(c, d);
    } else {
      const e = pairs + ((<usize>(at - 1)) << 3);
      store<u32>(e, load<u32>(e, 4) + 1, 4);
    }
  }
  for (let k: u32 = 0; k < d; k++) store<u32>(counts + ((<usize>load<u32>(pairs + ((<usize>k) << 3))) << 2), 0);
  setParam(P_N_PAIRS, <f64>d);
}

/**
 * Runs the chain over the logits in F_LOGITS. flags: FLAG_SAMPLE draws a token (returned),
 * FLAG_PROBS writes the final distribution to F_EXP, FLAG_TOP writes the best P_TOP_N candidates
 * (ids in F_CAND_IDX, logprobs in F_CAND_K). Returns the token, or a negative ERR_* code; the
 * caller's logits are unchanged either way.
 */
export function run(flags: i32): i32 {
  epoch++;
  if (epoch == 0) {
    memory.fill(ptr(F_STAMP), 0, (<usize>vpad) << 2);
    epoch = 1;
  }
  begin(ptr(F_LOGITS), flags);
  deferTopP = false;
  const nCtx = <i32>param(P_N_CTX);
  if (nCtx > 0) {
    countWindow(nCtx);
    setParam(P_N_CTX, 0);
  } // the pairs stand until the caller writes again
  const greedy = param(P_GREEDY) != 0;
  const nops = <i32>param(P_N_OPS);
  const prog = ptr(F_PROGRAM);
  for (let k = 0; k < nops; k++) {
    const op = load<i32>(prog + ((<usize>k) << 2));
    if (greedy && op >= OP_FIRST_WARPER) continue; // greedy skips temperature and the truncations
    lastOp = k == nops - 1;
    apply(op);
    if (err) break;
  }
  let tok = 0;
  if (!err) tok = greedy ? finishGreedy(flags) : finish(flags);
  restoreAll();
  return err != 0 ? err : tok;
}

/** After a trap inside run() (none is known): the caller's logits restored and the counts zero again. */
export function recover(): void {
  restoreAll();
  memory.fill(ptr(F_COUNTS), 0, (<usize>vpad) << 2);
}

/**
 * Speculative decoding's acceptance test: true with probability min(1, exp(d)), d = log p(x) - log q(x)
 * (+inf: the draft gave x no probability; NaN: neither did the target, never accepted). One draw.
 */
export function accept(d: f64): i32 {
  return nextDouble() < exp64(d) ? 1 : 0;
}

/**
 * Speculative decoding's correction draw. hold = 1: keeps the target's distribution p (F_EXP, written by
 * run(FLAG_PROBS)) in F_HELD. hold = 0, with the draft's q now in F_EXP: draws from normalize(max(0, p - q))
 * (from p where that is empty, which only rounding allows), one draw, and reports log p of the token.
 */
export function residual(hold: i32): i32 {
  const e = ptr(F_EXP),
    p = ptr(F_HELD);
  if (hold) {
    memory.copy(p, e, (<usize>vpad) << 2);
    return 0;
  }
  const z = residualPass(p, e, vpad);
  const u = nextDouble();
  const tok = z > 0 ? drawDense(e, vpad, u * z) : drawDense(p, vpad, u);
  setResult(R_LOGPROB, log64(<f64>load<f32>(p + ((<usize>tok) << 2))));
  return tok;
}
