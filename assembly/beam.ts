// Beam search's per-row work: the log-softmax normaliser and the row's top tokens, in one read of the row.
import { rows, vpad, ptr, setResult, F_LOGITS, F_CAND_IDX, F_CAND_VAL, R_LOGPROB, ERR_ALL_REMOVED } from "./layout";
import { maxGatherExpSum, gatherMax, fusedSum } from "./kernels";
import { LOWEST, wPtr, mx, n, err, begin, checkMax, estimateThreshold, gatherAtLeast, candTopK } from "./state";

/**
 * Row r of a beam search in one read of its logits from memory: validation, the max, a gather from a
 * sampled threshold (the threshold needs no max) and the log-softmax normaliser ln(sum exp(x)) into
 * R_LOGPROB, block by block (each block's exp values against the running max, from L1). The candidate arrays receive the row's top k tokens (every token tied with the k-th
 * included), unordered. Returns how many, or an ERR_* code (the error index is within the row).
 */
export function beamRow(r: i32, k: i32): i32 {
  if (r < 0 || r >= rows) return ERR_ALL_REMOVED;
  begin(ptr(F_LOGITS) + ((<usize>(r * vpad)) << 2), 0);
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
