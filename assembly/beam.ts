// Beam search's per-row work: the log-softmax normaliser and the row's top tokens.
import {
  rows,
  vpad,
  ptr,
  setResult,
  F_LOGITS,
  F_CAND_IDX,
  F_CAND_VAL,
  F_BLOCKS,
  F_EXP,
  R_LOGPROB,
  ERR_ALL_REMOVED,
} from "./layout";
import { maxGather, expPass, gatherMax } from "./kernels";
import { LOWEST, wPtr, mx, n, err, begin, checkMax, estimateThreshold, gatherAtLeast, candTopK } from "./state";

/**
 * Row r of a beam search: validation, the max and a gather from a sampled threshold (the threshold needs no
 * max) in one pass, then the log-softmax normaliser ln(sum exp(x)) into R_LOGPROB in a second (the exp pass,
 * storing into F_EXP as scratch). The candidate arrays receive the row's top k tokens (every token tied with
 * the k-th included), unordered. Returns how many, or an ERR_* code (the error index is within the row).
 * (The two passes were once one fused kernel that read each block from memory once; it cost ~500 bytes of
 * the gzipped size budget, which typical sampling's dense path needed more.)
 */
export function beamRow(r: i32, k: i32): i32 {
  if (r < 0 || r >= rows) return ERR_ALL_REMOVED;
  begin(ptr(F_LOGITS) + ((<usize>(r * vpad)) << 2), 0);
  const thr = estimateThreshold(k, 0);
  n = maxGather(wPtr, vpad, ptr(F_BLOCKS), thr, ptr(F_CAND_IDX), ptr(F_CAND_VAL));
  mx = gatherMax;
  checkMax();
  if (err) return err;
  if (n < k && thr > LOWEST) n = gatherAtLeast(k, 1);
  setResult(R_LOGPROB, <f64>mx + Math.log(expPass(wPtr, ptr(F_EXP), vpad, mx, 1, LOWEST, false)));
  candTopK(k, false);
  return n;
}
