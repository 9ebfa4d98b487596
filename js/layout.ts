// Mirror of assembly/layout.ts and the op / flag / error codes of assembly/chain.ts. Keep in step.

export const F_PARAMS = 0;
export const F_PROGRAM = 1;
export const F_RESULT = 2;
export const F_LOGITS = 3;
export const F_WORK = 4;
export const F_EXP = 5;
export const F_CAND_IDX = 6;
export const F_CAND_VAL = 7;
export const F_CAND_W = 8;
export const F_CAND_K = 9;
export const F_COUNTS = 10;
export const F_STAMP = 11;
export const F_BANMARK = 12;
export const F_BIAS = 13;
export const F_MASK = 14;
export const F_PAIRS = 15;
export const F_BANS = 16;
export const F_BIAS_LIST = 17;
export const F_RESTORE = 18;
export const F_SAMPLE = 19;
export const F_BLOCKS = 20;
export const F_DRY = 21;
export const F_CTX = 22;

export const PARAM_SLOTS = 32;
export const PROGRAM_SLOTS = 32;
export const RESULT_SLOTS = 8;

export const P_TEMPERATURE = 0;
export const P_TOP_K = 1;
export const P_TOP_P = 2;
export const P_MIN_P = 3;
export const P_TYPICAL_P = 4;
export const P_EPSILON = 5;
export const P_ETA = 6;
export const P_TOP_N_SIGMA = 7;
export const P_MIN_KEEP = 8;
export const P_REPETITION = 9;
export const P_PRESENCE = 10;
export const P_FREQUENCY = 11;
export const P_TOP_K_EXACT = 12;
export const P_N_BIAS = 13;
export const P_N_PAIRS = 14;
export const P_N_BAN_NGRAM = 15;
export const P_N_BAN_WORDS = 16;
export const P_TOP_N = 17;
export const P_GREEDY = 18;
export const P_N_OPS = 19;
export const P_N_SUPPRESS = 20;
export const P_DYN_RANGE = 21;
export const P_DYN_EXPONENT = 22;
export const P_XTC_PROBABILITY = 23;
export const P_XTC_THRESHOLD = 24;
export const P_N_DRY = 25;
export const P_DRY_MULTIPLIER = 26;
export const P_DRY_BASE = 27;
export const P_MIROSTAT = 28;
export const P_MIROSTAT_MU = 29;
export const P_N_CTX = 30;

export const R_ERROR_INDEX = 0;
export const R_ERROR_VALUE = 1;
export const R_LOGPROB = 2;
export const R_N_TOP = 3;

export const OP_REPETITION = 1;
export const OP_PRESENCE = 2;
export const OP_FREQUENCY = 3;
export const OP_NGRAM_BANS = 4;
export const OP_BAD_WORDS = 5;
export const OP_LOGIT_BIAS = 6;
export const OP_ALLOWED = 7;
export const OP_TEMPERATURE = 8;
export const OP_TOP_N_SIGMA = 9;
export const OP_TOP_K = 10;
export const OP_TOP_P = 11;
export const OP_MIN_P = 12;
export const OP_TYPICAL_P = 13;
export const OP_EPSILON = 14;
export const OP_ETA = 15;
export const OP_SUPPRESS = 16;
export const OP_DRY = 17;
export const OP_XTC = 18;
export const OP_MIROSTAT = 19;

export const FLAG_SAMPLE = 1;
export const FLAG_PROBS = 2;
export const FLAG_TOP = 4;
export const FLAG_LOGPROB = 8;

export const ERR_INVALID_LOGIT = -1;
export const ERR_ALL_REMOVED = -2;

/** The exports of build/sampler.wasm. */
export interface EngineExports {
  memory: WebAssembly.Memory;
  configure(vocab: number, rows: number): number;
  offsetOf(field: number): number;
  run(flags: number): number;
  seedRandom(seed: number): void;
  rngState(): bigint;
  setRngState(state: bigint): void;
  xtcState(): bigint;
  setXtcState(state: bigint): void;
  beamRow(row: number, k: number): number;
  powF64(x: number, y: number): number;
  baselineMax(n: number): number;
  baselineExpSum(n: number, max: number): number;
}

/** Typed-array views over one instance's regions; rebuilt whenever the memory's buffer changes. */
export class Views {
  buffer: ArrayBuffer;
  readonly vpad: number;
  params!: Float64Array;
  program!: Int32Array;
  result!: Float64Array;
  logits!: Float32Array;
  exp!: Float32Array;
  rows!: Float32Array;
  candIdx!: Uint32Array;
  candVal!: Float64Array;
  candKey!: Float64Array;
  bias!: Float32Array;
  mask!: Uint32Array;
  pairs!: Uint32Array;
  bans!: Uint32Array;
  dry!: Uint32Array;
  ctx!: Uint32Array;
  biasListIds!: Uint32Array;
  biasListValues!: Float32Array;

  constructor(private readonly ex: EngineExports, readonly vocab: number, readonly nRows = 1) {
    this.vpad = (vocab + 31) & ~31;
    this.buffer = ex.memory.buffer;
    this.build();
  }

  /** Returns itself, with views rebuilt if the memory grew (a grow detaches every old view). */
  fresh(): this {
    if (this.ex.memory.buffer !== this.buffer) {
      this.buffer = this.ex.memory.buffer;
      this.build();
    }
    return this;
  }

  private build(): void {
    const b = this.buffer, at = (f: number) => this.ex.offsetOf(f), v = this.vocab, n = this.vpad;
    this.params = new Float64Array(b, at(F_PARAMS), PARAM_SLOTS);
    this.program = new Int32Array(b, at(F_PROGRAM), PROGRAM_SLOTS);
    this.result = new Float64Array(b, at(F_RESULT), RESULT_SLOTS);
    this.logits = new Float32Array(b, at(F_LOGITS), v);
    this.exp = new Float32Array(b, at(F_EXP), v);
    this.rows = new Float32Array(b, at(F_LOGITS), n * this.nRows);
    this.candIdx = new Uint32Array(b, at(F_CAND_IDX), n);
    this.candVal = new Float64Array(b, at(F_CAND_VAL), n);
    this.candKey = new Float64Array(b, at(F_CAND_K), n);
    this.bias = new Float32Array(b, at(F_BIAS), n);
    this.mask = new Uint32Array(b, at(F_MASK), n >>> 5);
    this.pairs = new Uint32Array(b, at(F_PAIRS), 2 * n);
    this.bans = new Uint32Array(b, at(F_BANS), 3 * n);
    this.dry = new Uint32Array(b, at(F_DRY), 2 * n);
    this.ctx = new Uint32Array(b, at(F_CTX), n);
    this.biasListIds = new Uint32Array(b, at(F_BIAS_LIST), 2 * n);
    this.biasListValues = new Float32Array(b, at(F_BIAS_LIST), 2 * n);
  }
}
