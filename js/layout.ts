// The wrapper's side of the engine's memory: the constants come from assembly/layout.ts, their one source
// (scripts/gen-layout.mjs generates js/generated/layout.ts at build time); the views over the regions are here.
import {
  F_BANS,
  F_BIAS,
  F_BIAS_LIST,
  F_CAND_IDX,
  F_CAND_K,
  F_CAND_VAL,
  F_CTX,
  F_DRY,
  F_EXP,
  F_LOGITS,
  F_MASK,
  F_PAIRS,
  F_PARAMS,
  F_PROGRAM,
  F_RESULT,
  PARAM_SLOTS,
  PROGRAM_SLOTS,
  RESULT_SLOTS,
} from "./generated/layout.js";

export * from "./generated/layout.js";

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
  recover(): void;
  accept(logRatio: number): number;
  residual(hold: number): number;
  beamRow(row: number, k: number): number;
  powF64(x: number, y: number): number;
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

  readonly #ex: EngineExports;
  constructor(
    ex: EngineExports,
    readonly vocab: number,
    readonly nRows = 1,
  ) {
    this.#ex = ex;
    this.vpad = (vocab + 31) & ~31;
    this.buffer = ex.memory.buffer;
    this.#build();
  }

  /** Returns itself, with views rebuilt if the memory grew (a grow detaches every old view). */
  fresh(): this {
    if (this.#ex.memory.buffer !== this.buffer) {
      this.buffer = this.#ex.memory.buffer;
      this.#build();
    }
    return this;
  }

  #build(): void {
    const b = this.buffer,
      at = (f: number) => this.#ex.offsetOf(f),
      v = this.vocab,
      n = this.vpad;
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
