// Beam search's per-row work: the log-softmax normaliser and the row's top tokens.
import {
  rows,
  vpad,
  ptr,
  setResult,
  F_LOGITS,
  F_CAND_IDX,
  F_CAND_VAL,
  F_EXP,
  R_LOGPROB,
  ERR_ALL_REMOVED,
} from "./layout";
import { expGather, expPass, gatherMax, gatherSum, suspect } from "./kernels";
import { LOWEST, wPtr, mx, n, err, begin, checkMax, estimateThreshold, gatherAtLeast, candTopK } from "./state";
import { log64 } from "./math";

/**
 * Row r of a beam search, in one read of the row: validation, a gather from a sampled threshold and the
 * log-softmax normaliser ln(sum exp(x)) into R_LOGPROB, whose exp sum is shifted by that threshold (no max
 * is needed first: the threshold lies at most at the max). A max more than 60 above the shift (the sum may
 * have overflowed) or a sum that underflowed takes a second, max-shifted exp pass (F_EXP as scratch). The
 * candidate arrays receive the row's top k tokens (every token tied with the k-th included), unordered.
 * Returns how many, or an ERR_* code (the error index is within the row).
 */
export function beamRow(r: i32, k: i32): i32 {
  if (r < 0 || r >= rows) return ERR_ALL_REMOVED;
  begin(ptr(F_LOGITS) + ((<usize>(r * vpad)) << 2), 0);
  const thr = estimateThreshold(k, 0);
  // the sampled threshold lies at most at the max: the shift of the one read's exp sum
  let m0: f32 = thr > LOWEST ? thr : 0;
  n = expGather(wPtr, vpad, m0, thr, ptr(F_CAND_IDX), ptr(F_CAND_VAL));
  // (before checkMax: the gather must not skip blocks by maxima this read did not write)
  if (n < k && thr > LOWEST) n = gatherAtLeast(k, 1);
  mx = gatherMax;
  suspect = !(gatherSum < Infinity); // NaN or +inf
  checkMax();
  if (err) return err;
  let z = gatherSum;
  if (!(z > 0) || <f64>(mx - m0) > 60) {
    // every exp underflowed, or the max lies so far above m0 that they may have overflowed
    m0 = mx;
    z = expPass(wPtr, ptr(F_EXP), vpad, mx, 1, LOWEST, false);
  }
  setResult(R_LOGPROB, <f64>m0 + log64(z));
  candTopK(k, false);
  return n;
}
