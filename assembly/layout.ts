// The memory layout of one sampler instance and every code the engine and the wrapper share: regions,
// parameter and result slots, op codes, run flags and error codes. This file is their one source:
// scripts/gen-layout.mjs writes js/generated/layout.ts from every `export const NAME: i32 = value;` here.
// Each instance serves one vocabulary size; configure() places every region once and never grows again.

// Field ids for offsetOf().
export const F_PARAMS: i32 = 0; // f64[PARAM_SLOTS]: options and per-call counts, written by JS
export const F_PROGRAM: i32 = 1; // i32[PROGRAM_SLOTS]: op codes of the chain, in order
export const F_RESULT: i32 = 2; // f64[RESULT_SLOTS]: values the engine reports back
export const F_LOGITS: i32 = 3; // f32[rows * vpad]: the caller's logits (row 0 is sampler.logits); padding stays -inf
export const F_WORK: i32 = 4; // f32[vpad]: masked copy of the logits when allowedTokens is on
export const F_EXP: i32 = 5; // f32[vpad]: exp values of the dense pass; probs() output
export const F_CAND_IDX: i32 = 6; // u32[vpad]: candidate token ids
export const F_CAND_VAL: i32 = 7; // f64[vpad]: candidate logits (unscaled)
export const F_CAND_W: i32 = 8; // f64[vpad]: candidate weights (exp values)
export const F_CAND_K: i32 = 9; // f64[vpad]: candidate keys / flags / output logprobs
export const F_COUNTS: i32 = 10; // i32[vpad]: dense penalty counts, zero between uses
export const F_STAMP: i32 = 11; // u32[vpad]: per-run marks (restore recorded)
export const F_BANMARK: i32 = 12; // u32[vpad]: per-op marks (banned in this op)
export const F_BIAS: i32 = 13; // f32[vpad]: dense logit bias, 0 where none
export const F_MASK: i32 = 14; // u32[vpad / 32]: allowed-token bitmask
export const F_PAIRS: i32 = 15; // (u32 token, u32 count)[vpad]: penalty window, distinct tokens
export const F_BANS: i32 = 16; // u32[3 * vpad]: n-gram bans, bad-word bans, suppressed tokens
export const F_BIAS_LIST: i32 = 17; // (u32 token, f32 bias)[vpad]
export const F_RESTORE: i32 = 18; // (u32 index, f32 value)[vpad]: logits patched in place this run
export const F_SAMPLE: i32 = 19; // f64[SAMPLE_SLOTS + 16]: strided sample for threshold estimates (or f32: its best 16)
export const F_BLOCKS: i32 = 20; // f32[2 * (vpad / BLOCK + 1)]: per-block maxima of the last max pass, then sums of the last exp pass
export const F_DRY: i32 = 21; // (u32 token, u32 exponent)[vpad]: DRY penalties of this call
export const F_CTX: i32 = 22; // u32[vpad]: the penalty window's token ids, for run() to count into F_PAIRS
export const F_HELD: i32 = 23; // f32[vpad]: speculative decoding's held distribution (the target's, see residual())
export const FIELD_COUNT: i32 = 24;

/** Tokens per block of the block maxima and block sums (a multiple of the 16 floats one loop step reads). */
export const BLOCK: i32 = 256;

export const PARAM_SLOTS: i32 = 48;
export const PROGRAM_SLOTS: i32 = 32;
export const RESULT_SLOTS: i32 = 8;
export const SAMPLE_SLOTS: i32 = 1024;

// Parameter slots (f64 each).
export const P_TEMPERATURE: i32 = 0;
export const P_TOP_K: i32 = 1;
export const P_TOP_P: i32 = 2;
export const P_MIN_P: i32 = 3;
export const P_TYPICAL_P: i32 = 4;
export const P_EPSILON: i32 = 5;
export const P_ETA: i32 = 6;
export const P_TOP_N_SIGMA: i32 = 7;
export const P_MIN_KEEP: i32 = 8;
export const P_REPETITION: i32 = 9;
export const P_PRESENCE: i32 = 10;
export const P_FREQUENCY: i32 = 11;
export const P_LLAMA: i32 = 12; // 1 = llama.cpp's rules (order "llama.cpp"), 0 = Hugging Face's; see transforms.ts
export const P_N_BIAS: i32 = 13;
export const P_N_PAIRS: i32 = 14;
export const P_N_BAN_NGRAM: i32 = 15;
export const P_N_BAN_WORDS: i32 = 16;
export const P_TOP_N: i32 = 17; // how many top logprobs run(F_TOP) reports
export const P_GREEDY: i32 = 18;
export const P_N_OPS: i32 = 19;
export const P_N_SUPPRESS: i32 = 20; // tokens banned before every transform (EOS before minNewTokens)
export const P_DYN_RANGE: i32 = 21; // dynamic temperature (llama.cpp temp_ext): range, 0 = off
export const P_DYN_EXPONENT: i32 = 22;
export const P_XTC_PROBABILITY: i32 = 23;
export const P_XTC_THRESHOLD: i32 = 24;
export const P_N_DRY: i32 = 25; // DRY: how many (token, exponent) pairs this call
export const P_DRY_MULTIPLIER: i32 = 26;
export const P_DRY_BASE: i32 = 27;
export const P_MIROSTAT: i32 = 28; // mirostat version (1 or 2)
export const P_MIROSTAT_MU: i32 = 29; // the running mu, written by the caller each run
export const P_N_CTX: i32 = 30; // ids in F_CTX (0: F_PAIRS / P_N_PAIRS were written by the caller)
export const P_TOP_A: i32 = 31;
export const P_AT: i32 = 32; // the token whose log-probability run(FLAG_AT) reports

// Result slots (f64 each).
export const R_ERROR_INDEX: i32 = 0;
export const R_ERROR_VALUE: i32 = 1;
export const R_LOGPROB: i32 = 2;
export const R_N_TOP: i32 = 3;

// Op codes of the program, grouped by kind: processors below OP_FIRST_WARPER are always applied; warpers
// (temperature and the truncations) from OP_FIRST_WARPER on are skipped under greedy.
export const OP_SUPPRESS: i32 = 1; // bans the P_N_SUPPRESS tokens of the third ban segment (EOS before minNewTokens)
export const OP_REPETITION: i32 = 2;
export const OP_PRESENCE: i32 = 3;
export const OP_FREQUENCY: i32 = 4;
export const OP_DRY: i32 = 5; // DRY penalties (llama.cpp) for the (token, exponent) pairs of F_DRY
export const OP_NGRAM_BANS: i32 = 6;
export const OP_BAD_WORDS: i32 = 7;
export const OP_LOGIT_BIAS: i32 = 8;
export const OP_ALLOWED: i32 = 9;
export const OP_FIRST_WARPER: i32 = 16;
export const OP_TEMPERATURE: i32 = 16;
export const OP_TOP_N_SIGMA: i32 = 17;
export const OP_TOP_K: i32 = 18;
export const OP_TOP_P: i32 = 19;
export const OP_MIN_P: i32 = 20;
export const OP_TYPICAL_P: i32 = 21;
export const OP_EPSILON: i32 = 22;
export const OP_ETA: i32 = 23;
export const OP_XTC: i32 = 24; // exclude top choices (llama.cpp), its own seeded draw
export const OP_MIROSTAT: i32 = 25; // mirostat v1 / v2 truncation (llama.cpp) from the running mu; last
export const OP_TOP_A: i32 = 26;

// run() flags.
export const FLAG_SAMPLE: i32 = 1;
export const FLAG_PROBS: i32 = 2;
export const FLAG_TOP: i32 = 4;
export const FLAG_LOGPROB: i32 = 8; // report the drawn token's log-probability (needs the kept set's normaliser)
export const FLAG_AT: i32 = 16; // no draw: report the log-probability of token P_AT (-inf if removed)

// run() and beamRow() error codes (negative; a token id or a count otherwise).
export const ERR_INVALID_LOGIT: i32 = -1;
export const ERR_ALL_REMOVED: i32 = -2;

export let vocab: i32 = 0;
export let vpad: i32 = 0;
export let rows: i32 = 1;
// Offsets live in static data: the stub runtime's allocator would hand out memory that overlaps the regions.
const offsets: usize = memory.data(FIELD_COUNT * 8, 16);

@inline function align16(x: usize): usize {
  return (x + 15) & ~(15 as usize);
}

/**
 * Places every region for a vocabulary of v tokens and `nRows` rows of logits (1 for a sampler, numBeams
 * for a beam search) and grows memory once. Returns 0, or -1 if memory cannot grow.
 */
export function configure(v: i32, nRows: i32): i32 {
  vocab = v;
  rows = max(1, nRows);
  vpad = (v + 31) & ~31; // whole 32-token blocks: mask words and 4x4-lane SIMD loops need no tails
  const n = <usize>vpad;
  let p = align16(__heap_base);
  for (let f = 0; f < FIELD_COUNT; f++) {
    store<usize>(offsets + ((<usize>f) << 3), p);
    p = align16(p + sizeOf(f, n));
  }
  const need = <i32>((p + 0xffff) >> 16);
  const have = memory.size();
  if (need > have && memory.grow(need - have) < 0) return -1;
  memory.fill(ptr(F_PARAMS), 0, p - ptr(F_PARAMS));
  // Padding and empty logits are -inf so whole-block passes see no extra tokens.
  const neg = f32x4.splat(-Infinity);
  const l = ptr(F_LOGITS);
  const w = ptr(F_WORK);
  for (let i: usize = 0; i < n * <usize>rows; i += 4) v128.store((l + (i << 2)) as usize, neg);
  for (let i: usize = 0; i < n; i += 4) v128.store((w + (i << 2)) as usize, neg);
  return 0;
}

function sizeOf(f: i32, n: usize): usize {
  switch (f) {
    case F_PARAMS:
      return <usize>PARAM_SLOTS * 8;
    case F_PROGRAM:
      return <usize>PROGRAM_SLOTS * 4;
    case F_RESULT:
      return <usize>RESULT_SLOTS * 8;
    case F_CAND_VAL:
    case F_CAND_W:
    case F_CAND_K:
      return n * 8;
    case F_MASK:
      return n / 8;
    case F_BANS:
      return n * 12;
    case F_PAIRS:
    case F_BIAS_LIST:
    case F_RESTORE:
    case F_DRY:
      return n * 8;
    case F_SAMPLE:
      return (<usize>SAMPLE_SLOTS + 16) * 8;
    case F_BLOCKS:
      return (n / <usize>BLOCK + 1) * 8;
    case F_LOGITS:
      return n * 4 * <usize>rows;
    default:
      return n * 4;
  }
}

/** Byte offset of a region (F_*). */
export function offsetOf(field: i32): usize {
  return load<usize>(offsets + ((<usize>field) << 3));
}

@inline export function ptr(field: i32): usize {
  return load<usize>(offsets + ((<usize>field) << 3));
}

export function param(slot: i32): f64 {
  return load<f64>(ptr(F_PARAMS) + ((<usize>slot) << 3));
}

export function setParam(slot: i32, v: f64): void {
  store<f64>(ptr(F_PARAMS) + ((<usize>slot) << 3), v);
}

export function setResult(slot: i32, v: f64): void {
  store<f64>(ptr(F_RESULT) + ((<usize>slot) << 3), v);
}
