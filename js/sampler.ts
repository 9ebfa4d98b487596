// The Sampler: validates every argument, writes options and context lists into the engine, runs the
// chain in wasm and turns error codes into errors that name the argument.
// the engine first: a bundle then starts with its base64, which gzips better there (scripts/size.mjs)
import { createEngine, DISPOSE, DISPOSED, dropped, releaseEngine } from "./engine.js";
import { ContextLists } from "./context.js";
import { GenerationImpl, REENTERED, type Generation, type GenerationOptions } from "./generation.js";
import { allRemoved, integer, MAX_INT, rangeError, typeError } from "./errors.js";
import {
  ERR_ALL_REMOVED,
  ERR_INVALID_LOGIT,
  FLAG_AT,
  FLAG_LOGPROB,
  FLAG_PROBS,
  FLAG_SAMPLE,
  FLAG_TOP,
  P_AT,
  P_GREEDY,
  P_LLAMA,
  P_MIN_KEEP,
  P_MIROSTAT_MU,
  P_N_OPS,
  P_TOP_N,
  PROGRAM_SLOTS,
  R_ERROR_INDEX,
  R_ERROR_VALUE,
  R_LOGPROB,
  R_N_TOP,
  type EngineExports,
  Views,
} from "./layout.js";
import {
  checkMask,
  checkSeed,
  nextMu,
  program,
  resolveOptions,
  type Resolved,
  type SamplerOptions,
} from "./options.js";
import { TRANSFORMS } from "./transforms.js";

/** A token and its log-probability in the distribution after the chain. */
export interface TopLogprob {
  /** The token id. */
  token: number;
  /** Its log-probability after the chain. */
  logprob: number;
}

/** A sampler: the transform chain of its options over one vocabulary, in its own WebAssembly instance. */
export interface Sampler {
  readonly vocabSize: number;
  /** A view into wasm memory: write the next logits here to skip one copy. */
  readonly logits: Float32Array;
  /**
   * Draws the next token from `logits` (default: this.logits) after the chain; `context` (token ids before
   * it) feeds the penalties, n-gram bans, bad words and DRY.
   */
  sample(logits?: Float32Array, context?: ArrayLike<number>): number;
  /** The distribution sample() draws from: vocabSize probabilities (0 for removed tokens). */
  probs(logits?: Float32Array, context?: ArrayLike<number>): Float32Array;
  /** The n most likely tokens after the chain with their log-probabilities, best first (ties: lower id). */
  topLogprobs(n: number, logits?: Float32Array, context?: ArrayLike<number>): TopLogprob[];
  /** One token per row of `rows` (batch rows of vocabSize logits), each row with its own context. */
  sampleBatch(rows: Float32Array, batch: number, contexts?: ArrayLike<number>[]): Int32Array;
  /** Restarts the random streams from `seed` (and mirostat's mu, as llama.cpp's reset does). */
  reseed(seed: number): void;
  /** Replaces the allowed-token bitmask (null = every token allowed), e.g. once per step from a grammar. */
  setAllowedTokens(mask: Uint32Array | null): void;
  /** A sequence to decode: its tokens, EOS / stop / length control and streaming text. */
  generation(options?: GenerationOptions): Generation;
  /** Mirostat's running mu for sample() calls (each generation keeps its own); NaN without mirostat. */
  readonly mirostatMu: number;
  /**
   * Replaces the options (vocabSize stays; the same validation as createSampler, and a rejected call
   * changes nothing). The random streams restart only when `seed` is given; mirostat's mu restarts; a mask
   * set by setAllowedTokens is replaced by options.allowedTokens. Generations begun before cannot step
   * any more (their history follows the old options).
   */
  configure(options: Omit<SamplerOptions, "vocabSize"> & { vocabSize?: number }): void;
  /**
   * Gives the WebAssembly instance back for the next createSampler to reuse (also [Symbol.dispose], for
   * `using`; a sampler dropped without it gives it back when collected). Every later call throws, and views
   * taken from it (logits) must not be used.
   */
  dispose(): void;
}

/** One draw with its log-probability, the top log-probabilities of the same distribution, and mirostat's next mu. */
export interface Draw {
  token: number;
  logprob: number;
  top: TopLogprob[];
  mu: number;
}

const NO_TOP: TopLogprob[] = [];

export class SamplerImpl implements Sampler {
  readonly vocabSize: number;
  readonly views: Views;
  readonly lists: ContextLists;
  /** Mirostat's running mu for sample() calls. */
  mu: number;
  /** Set while a generation's step runs (its decode must not use the sampler). */
  busy = false;

  readonly ex: EngineExports;
  opts: Resolved;
  /** How many times configure() ran: a generation steps only while it is the one it began with. */
  epoch = 0;
  #disposed = false;
  [DISPOSE](): void {
    this.dispose();
  }
  constructor(ex: EngineExports, opts: Resolved) {
    this.ex = ex;
    this.opts = opts;
    this.vocabSize = opts.vocabSize;
    this.views = new Views(ex, opts.vocabSize);
    this.lists = new ContextLists(opts.vocabSize);
    this.#writeOptions();
    ex.seedRandom(opts.seed);
    this.mu = opts.mirostat ? 2 * opts.mirostat.tau : NaN;
    dropped.register(this, ex, this);
  }

  configure(options: Omit<SamplerOptions, "vocabSize"> & { vocabSize?: number }): void {
    this.guard();
    const given = { vocabSize: this.vocabSize, ...options };
    const r = resolveOptions(given);
    if (r.vocabSize !== this.vocabSize) throw rangeError("options.vocabSize", `${this.vocabSize}`, r.vocabSize);
    // validated: nothing below can fail
    this.opts = r;
    this.#writeOptions();
    if (given.seed !== undefined) this.ex.seedRandom(r.seed);
    this.mu = r.mirostat ? 2 * r.mirostat.tau : NaN;
    this.epoch++;
  }

  dispose(): void {
    if (this.#disposed) return;
    this.guard();
    this.#disposed = true;
    dropped.unregister(this);
    releaseEngine(this.ex);
  }

  get mirostatMu(): number {
    return this.mu;
  }

  /** Throws if a generation's step is running: its decode called back into the sampler. */
  guard(): void {
    if (this.busy) throw new Error(REENTERED);
    if (this.#disposed) throw new Error(DISPOSED);
  }

  /** The random streams (the draw's and XTC's), to put back when a call fails after drawing. */
  saveStreams(): [bigint, bigint] {
    return [this.ex.rngState(), this.ex.xtcState()];
  }

  restoreStreams(s: [bigint, bigint]): void {
    this.ex.setRngState(s[0]);
    this.ex.setXtcState(s[1]);
  }

  /**
   * Runs the chain and turns an error code into an error naming `name` (default "logits"); a wasm trap (none
   * is known) leaves no patched logit or count behind.
   */
  runChecked(flags: number, name?: string): number {
    let code: number;
    try {
      code = this.ex.run(flags);
    } catch (e) {
      this.ex.recover();
      throw e;
    }
    return this.#check(code, name);
  }

  /** Runs a draw from the sampler's own mu (sample, sampleBatch), which the drawn token then updates. */
  #draw(name?: string): number {
    const d = this.drawWith(this.mu, 0, this.opts.mirostat !== null, name);
    this.mu = d.mu;
    return d.token;
  }

  /**
   * The one draw of the engine, for sample() and for a Generation (which keeps its own mu and history): runs
   * the chain from `mu`, and returns the token, its log-probability (NaN unless `logprob`: it costs the kept
   * set's normaliser, which a plain draw may skip), the top `nTop` log-probabilities, and mirostat's next mu
   * (NaN without mirostat). The caller has loaded the logits and the context lists.
   */
  drawWith(mu: number, nTop: number, logprob: boolean, name?: string, at = -1): Draw {
    const v = this.views.fresh();
    const m = this.opts.mirostat;
    v.params[P_MIROSTAT_MU] = mu;
    v.params[P_TOP_N] = Math.max(1, Math.min(nTop, this.vocabSize));
    v.params[P_AT] = at;
    // at >= 0: no draw, the log-probability of token `at` (speculative verification)
    const detailed = logprob || m !== null || at >= 0;
    const flags = (at < 0 ? FLAG_SAMPLE : FLAG_AT) | (detailed ? FLAG_LOGPROB : 0) | (nTop > 0 ? FLAG_TOP : 0);
    const code = this.runChecked(flags, name);
    const token = at < 0 ? code : at;
    const lp = detailed ? v.result[R_LOGPROB]! : NaN;
    // one object, reused: a draw allocates nothing (its reader copies what it keeps)
    const d = this.#d;
    d.token = token;
    d.logprob = lp;
    d.top = nTop > 0 ? this.#readTop() : NO_TOP;
    d.mu = m ? nextMu(m, mu, lp) : NaN;
    return d;
  }

  #d: Draw = { token: 0, logprob: 0, top: [], mu: 0 };

  /**
   * Validates `logits` and copies them into the engine (unless they are this.logits), after `write` has filled
   * the context lists (which validates the context first when it comes from the caller).
   */
  loadWith(logits: Float32Array | undefined, write: (v: Views) => void): void {
    this.#checkLogits(logits);
    write(this.views.fresh());
    this.#copyLogits(logits);
  }

  get logits(): Float32Array {
    this.guard();
    return this.views.fresh().logits;
  }

  sample(logits?: Float32Array, context?: ArrayLike<number>): number {
    this.guard();
    this.#load(logits, context);
    return this.#draw();
  }

  probs(logits?: Float32Array, context?: ArrayLike<number>): Float32Array {
    this.guard();
    this.#load(logits, context);
    this.runChecked(FLAG_PROBS);
    return this.views.fresh().exp.slice();
  }

  topLogprobs(n: number, logits?: Float32Array, context?: ArrayLike<number>): TopLogprob[] {
    this.guard();
    integer("n", n, 0, MAX_INT);
    this.#load(logits, context);
    if (n === 0) return [];
    const v = this.views.fresh();
    v.params[P_TOP_N] = Math.min(n, this.vocabSize);
    this.runChecked(FLAG_TOP);
    return this.#readTop();
  }

  generation(options: GenerationOptions = {}): Generation {
    this.guard();
    return new GenerationImpl(this, this.lists, this.opts, options);
  }

  sampleBatch(rows: Float32Array, batch: number, contexts?: ArrayLike<number>[]): Int32Array {
    this.guard();
    const v = this.vocabSize;
    integer("batch", batch, 0, MAX_INT);
    if (!(rows instanceof Float32Array)) throw typeError("rows", "a Float32Array", rows);
    if (rows.length !== batch * v) throw rangeError("rows.length", `batch * vocabSize (${batch * v})`, rows.length);
    if (contexts !== undefined && (!Array.isArray(contexts) || contexts.length !== batch)) {
      throw typeError("contexts", `an array of ${batch} contexts`, contexts);
    }
    const list = contexts === undefined ? undefined : contexts.slice(); // each context read once, below
    const out = new Int32Array(batch);
    const streams = this.saveStreams(),
      mu = this.mu;
    try {
      for (let b = 0; b < batch; b++) {
        // the context first (it validates while it copies), then the row
        this.lists.write(list?.[b], this.opts, this.views.fresh(), `contexts[${b}]`);
        this.views.fresh().logits.set(rows.subarray(b * v, (b + 1) * v));
        out[b] = this.#draw(`rows[${b}]`);
      }
    } catch (e) {
      this.restoreStreams(streams); // a failed batch draws nothing
      this.mu = mu;
      throw e;
    }
    return out;
  }

  /** Restarts the random streams (and mirostat's mu, as llama.cpp's reset does). */
  reseed(seed: number): void {
    this.guard();
    this.ex.seedRandom(checkSeed("seed", seed));
    if (this.opts.mirostat) this.mu = 2 * this.opts.mirostat.tau;
  }

  setAllowedTokens(mask: Uint32Array | null): void {
    this.guard();
    const m = checkMask(mask, this.vocabSize, "mask");
    if (m !== null && !this.opts.order.includes("allowedTokens")) {
      throw new RangeError('setAllowedTokens needs "allowedTokens" in the order option');
    }
    this.opts.allowedTokens = m;
    this.#writeProgram(); // per step for grammar engines: the mask and the op list, nothing else
  }

  /** Validates, writes the context lists, then copies the logits (unless they are this.logits). */
  #load(logits: Float32Array | undefined, context: ArrayLike<number> | undefined): void {
    // validates the context while writing its lists (engine scratch), before the logits are touched
    this.#checkLogits(logits);
    this.lists.write(context, this.opts, this.views.fresh(), "context");
    this.#copyLogits(logits);
    this.views.params[P_MIROSTAT_MU] = this.mu;
  }

  #checkLogits(logits: Float32Array | undefined): void {
    if (logits === undefined) return;
    if (!(logits instanceof Float32Array))
      throw typeError("logits", `a Float32Array of vocabSize (${this.vocabSize}) values`, logits);
    if (logits.length !== this.vocabSize)
      throw rangeError("logits.length", `vocabSize (${this.vocabSize})`, logits.length);
  }

  #copyLogits(logits: Float32Array | undefined): Views {
    const v = this.views.fresh();
    if (logits !== undefined && !(logits.buffer === v.logits.buffer && logits.byteOffset === v.logits.byteOffset)) {
      v.logits.set(logits);
    }
    return v;
  }

  #check(code: number, name = "logits"): number {
    if (code >= 0) return code;
    const r = this.views.fresh().result;
    if (code === ERR_INVALID_LOGIT) {
      throw rangeError(`${name}[${r[R_ERROR_INDEX]}]`, "finite or -Infinity", r[R_ERROR_VALUE]);
    }
    if (code === ERR_ALL_REMOVED) {
      throw allRemoved(name);
    }
    throw new Error(`llm-sampler engine returned unknown code ${code}`);
  }

  #readTop(): TopLogprob[] {
    const v = this.views.fresh();
    const c = v.result[R_N_TOP]!;
    const out: TopLogprob[] = [];
    for (let i = 0; i < c; i++) out.push({ token: v.candIdx[i]!, logprob: v.candKey[i]! });
    return out;
  }

  #writeOptions(): void {
    const o = this.opts,
      v = this.views.fresh(),
      p = v.params;
    p[P_GREEDY] = o.temperature === 0 && !o.llama ? 1 : 0;
    p[P_LLAMA] = o.llama ? 1 : 0;
    p[P_MIN_KEEP] = Math.min(o.minTokensToKeep, 0x7fffffff);
    for (const t of TRANSFORMS) {
      if (t.slot !== undefined) p[t.slot] = o[t.name as keyof Resolved] as number;
      t.write?.(v, o);
    }
    this.#writeProgram();
  }

  /** The allowed-token mask and the op list of the chain. */
  #writeProgram(): void {
    const o = this.opts,
      v = this.views.fresh();
    if (o.allowedTokens) v.mask.set(o.allowedTokens);
    const ops = program(o);
    if (ops.length > PROGRAM_SLOTS) throw new Error("llm-sampler: chain longer than the engine's program");
    v.program.set(ops);
    v.params[P_N_OPS] = ops.length;
  }
}

/**
 * Creates a sampler for `options` (validated: a bad option is an error naming it). The WebAssembly module is
 * compiled once per process; each sampler gets its own instance. Every call on the sampler is synchronous.
 */
export async function createSampler(options: SamplerOptions): Promise<Sampler> {
  const opts = resolveOptions(options);
  const ex = await createEngine(opts.vocabSize);
  return new SamplerImpl(ex, opts);
}
