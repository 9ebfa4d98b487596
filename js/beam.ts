// Beam search with the semantics of Hugging Face transformers' vectorized `_beam_search` (4.50+):
// `_get_top_k_continuations`, `_get_running_beams_for_next_iteration`, `_update_finished_beams`,
// `_check_early_stop_heuristic`, `_beam_search_has_unfinished_sequences`.
//
// wasm, per live row: validation, the log-softmax normaliser (one max pass, one exp-and-sum pass) and a
// SIMD gather of the row's top-K tokens. JS: the per-beam transforms (applied to log-probabilities, on
// the few tokens they touch), the exact f64 ranking of the few dozen candidates, and the beams.
// Ties rank by lower beam index, then lower token id.
import { ContextLists } from "./context.js";
import { createEngine, DISPOSE, DISPOSED, dropped, releaseEngine } from "./engine.js";
import {
  allRemoved,
  eosIds,
  FLOAT_LIMIT,
  FLOAT_TINY,
  inRange,
  integer,
  MAX_INT,
  number,
  ownOptions,
  rangeError,
  tokenIds,
  typeError,
} from "./errors.js";
import {
  ERR_ALL_REMOVED,
  ERR_INVALID_LOGIT,
  R_ERROR_INDEX,
  R_ERROR_VALUE,
  R_LOGPROB,
  Views,
  type EngineExports,
} from "./layout.js";
import { BEAM_OPTIONS } from "./option-names.js";
import { checkBadWords, checkLogitBias } from "./options.js";

/** The options of createBeamSearch (Hugging Face's beam search). */
export interface BeamSearchOptions {
  /** Number of tokens, 1 .. 2^20. */
  vocabSize: number;
  /** Live beams, 1 .. 256. */
  numBeams: number;
  /** The generation ends after this many new tokens. */
  maxNewTokens: number;
  /** One id or several: a beam that draws one is finished. */
  eosTokenId?: number | number[];
  /** Finished scores are divided by (generated length) ** lengthPenalty. Default 1. */
  lengthPenalty?: number;
  /** Hugging Face semantics for all three. Default false. */
  earlyStopping?: boolean | "never";
  /** Default 1, at most numBeams. */
  numReturnSequences?: number;
  /** EOS is banned before this many new tokens. Default 0. */
  minNewTokens?: number;
  /** Token ids before the generation (the per-beam transforms see them). */
  prompt?: ArrayLike<number>;
  /** Per beam, on log-probabilities, as Hugging Face applies it in beam search. 1 = off. */
  repetitionPenalty?: number;
  /** Per beam: no n-gram of the beam repeats. 0 = off. */
  noRepeatNgramSize?: number;
  /** Added to the given tokens' log-probabilities (-Infinity bans). */
  logitBias?: Record<number, number> | Map<number, number>;
  /** Token sequences no beam may complete. */
  badWordsIds?: number[][];
}

/** A finished hypothesis. */
export interface BeamResult {
  /** Generated tokens (EOS included). */
  tokens: number[];
  /** Sum of the processed log-probabilities / (generated length) ** lengthPenalty. */
  score: number;
}

/** A beam search, step by step: give it the logits of every live beam, it keeps the beams. */
export interface BeamSearch {
  /** Live beams (prompt + generated) whose next logits step() needs, in row order. */
  readonly sequences: number[][];
  /**
   * The live beams' scores, in row order: running sums of their processed log-probabilities (Hugging Face's
   * beam scores, before any length penalty). [0] before the first step.
   */
  readonly scores: readonly number[];
  /**
   * For each live row, the row of the previous step it continues ([0] before the first step): a model's
   * key-value cache is reordered by it before the next forward pass.
   */
  readonly parents: readonly number[];
  /**
   * sequences.length rows of vocabSize logits, row after row; omitted: the rows already written into
   * rowView(0 .. sequences.length - 1).
   */
  step(logits?: Float32Array): void;
  /** Row r's logits in wasm memory (a view): a model that writes here saves a copy of every row. */
  rowView(r: number): Float32Array;
  readonly done: boolean;
  /** The best numReturnSequences finished hypotheses, best first. */
  readonly results: BeamResult[];
  /**
   * Gives the WebAssembly instance back for reuse (also [Symbol.dispose]; a beam search dropped without it
   * gives it back when collected). step() and rowView() throw afterwards; results stay readable.
   */
  dispose(): void;
}

/** Beam search options after validation, neutral values filled in. */
interface BeamConfig {
  vocabSize: number;
  numBeams: number;
  maxNewTokens: number;
  minNewTokens: number;
  eos: number[];
  lengthPenalty: number;
  earlyStopping: boolean | "never";
  numReturnSequences: number;
  repetitionPenalty: number;
  noRepeatNgramSize: number;
  logitBias: Map<number, number>;
  badWordsIds: number[][];
  prompt: number[];
}

/** Hugging Face's stand-in for "no score" (finished slots not filled yet). */
const NO_SCORE = -1.0e9;

interface Candidate {
  beam: number;
  token: number;
  score: number;
}

/** a comes before (beam, token, score): score descending, then beam, then token (a full sort's order). */
const ahead = (a: Candidate, beam: number, token: number, score: number) =>
  a.score > score || (a.score === score && (a.beam < beam || (a.beam === beam && a.token < token)));

interface Finished {
  tokens: number[];
  score: number;
}

class BeamSearchImpl implements BeamSearch {
  sequences: number[][];
  done = false;
  scores: number[] = [0];
  parents: number[] = [0];
  #finished: Finished[] = [];
  #heuristicUnsatisfied = true;
  readonly #views: Views;
  readonly #lists: ContextLists;
  readonly #promptLength: number;
  readonly #eos: number[];
  readonly #beamsToKeep: number;
  readonly #touched = new Map<number, number>();

  readonly #ex: EngineExports;
  readonly #c: BeamConfig;
  #disposed = false;
  [DISPOSE](): void {
    this.dispose();
  }
  constructor(ex: EngineExports, c: BeamConfig) {
    this.#ex = ex;
    this.#c = c;
    dropped.register(this, ex, this);
    this.#views = new Views(ex, c.vocabSize, c.numBeams);
    this.#lists = new ContextLists(c.vocabSize);
    this.#eos = c.eos;
    this.#promptLength = c.prompt.length;
    this.sequences = [c.prompt];
    this.#beamsToKeep = Math.max(2, 1 + c.eos.length) * c.numBeams;
  }

  get results(): BeamResult[] {
    return this.#finished
      .slice(0, this.#c.numReturnSequences)
      .map((f) => ({ tokens: f.tokens.slice(), score: f.score }));
  }

  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    dropped.unregister(this);
    releaseEngine(this.#ex);
  }

  #live(): void {
    if (this.#disposed) throw new Error(DISPOSED);
  }

  rowView(r: number): Float32Array {
    this.#live();
    integer("r", r, 0, Math.max(0, this.sequences.length - 1));
    const v = this.#views.fresh();
    return v.rows.subarray(r * v.vpad, r * v.vpad + this.#c.vocabSize);
  }

  step(logits?: Float32Array): void {
    this.#live();
    if (this.done) throw new RangeError("step() after the beam search is done");
    const R = this.sequences.length,
      V = this.#c.vocabSize;
    const v = this.#views.fresh();
    const stride = v.vpad;
    if (logits !== undefined) {
      if (!(logits instanceof Float32Array))
        throw typeError("logits", `a Float32Array of sequences.length * vocabSize values`, logits);
      if (logits.length !== R * V) {
        throw rangeError("logits.length", `sequences.length * vocabSize (${R} * ${V} = ${R * V})`, logits.length);
      }
      for (let r = 0; r < R; r++) v.rows.set(logits.subarray(r * V, (r + 1) * V), r * stride);
    }
    // Everything that can fail comes first: each row is validated, its normaliser and top tokens found, and
    // its candidates offered to `top` (a local list: an error leaves the search as it was).
    const generated = this.sequences[0]!.length - this.#promptLength; // before this step
    const top: Candidate[] = [],
      keep = this.#beamsToKeep;
    // top: the best `keep` candidates so far, best first (in the order of `ahead`)
    let offered = 0; // in this row
    const offer = (beam: number, token: number, score: number) => {
      offered++;
      let i = top.length;
      for (; i > 0 && !ahead(top[i - 1]!, beam, token, score); i--) if (i < keep) top[i] = top[i - 1]!;
      if (i < keep) top[i] = { beam, token, score };
    };
    for (let r = 0; r < R; r++) {
      // the tokens the per-beam transforms touch are scored separately (with logZ, below): gather enough
      // beside them
      this.#transforms(this.sequences[r]!, generated, 0, 0);
      const code = this.#ex.beamRow(r, keep + this.#touched.size);
      const fv = this.#views.fresh();
      if (code === ERR_INVALID_LOGIT) {
        const i = fv.result[R_ERROR_INDEX]!;
        throw rangeError(`logits[${r * V + i}]`, "finite or -Infinity", fv.result[R_ERROR_VALUE]);
      }
      if (code === ERR_ALL_REMOVED) throw allRemoved(`logits row ${r}`);
      const run = this.scores[r]!,
        lz = fv.result[R_LOGPROB]!,
        ids = fv.candIdx,
        vals = fv.candVal;
      this.#transforms(this.sequences[r]!, generated, r * stride, lz);
      offered = 0;
      for (const [t, lp] of this.#touched) if (lp !== -Infinity) offer(r, t, run + lp);
      for (let i = 0; i < code; i++) if (!this.#touched.has(ids[i]!)) offer(r, ids[i]!, run + (vals[i]! - lz));
      if (offered === 0) throw allRemoved(`logits row ${r}`);
    }
    const cf = this.#c;
    const hitsLength = generated + 1 >= cf.maxNewTokens;
    const hit = (c: Candidate) => hitsLength || this.#eos.includes(c.token);

    // e. the best numBeams candidates that hit nothing continue
    const running = top.filter((c) => !hit(c)).slice(0, cf.numBeams);

    // f. candidates among the first numBeams that hit become finished hypotheses
    const full = this.#finished.length === cf.numBeams && cf.earlyStopping === true;
    if (!full && this.#heuristicUnsatisfied) {
      const denom = this.#ex.powF64(generated + 1, cf.lengthPenalty);
      const fresh: Finished[] = [];
      for (const c of top.slice(0, cf.numBeams)) {
        if (!hit(c)) continue;
        fresh.push({ tokens: [...this.sequences[c.beam]!.slice(this.#promptLength), c.token], score: c.score / denom });
      }
      if (fresh.length > 0) {
        // stable: earlier finished hypotheses win ties, then candidate order
        this.#finished = [...this.#finished, ...fresh].sort((a, b) => b.score - a.score).slice(0, cf.numBeams);
      }
    }

    // the next live beams; the first child of a beam takes over its array, later ones copy it
    const owned = new Set<number>();
    this.sequences = running.map((c) => {
      const parent = this.sequences[c.beam]!;
      const seq = owned.has(c.beam) ? parent.slice(0, parent.length) : parent;
      owned.add(c.beam);
      return seq;
    });
    // the pushes come after every copy, so no copy sees a sibling's token
    running.forEach((c, i) => this.sequences[i]!.push(c.token));
    this.scores = running.map((c) => c.score);
    this.parents = running.map((c) => c.beam);

    // g. the early-stop heuristic and the stopping condition
    const len = generated + 1;
    if (this.#heuristicUnsatisfied && running.length > 0) {
      const hypothetical = cf.earlyStopping === "never" && cf.lengthPenalty > 0 ? cf.maxNewTokens : len;
      const best = this.scores[0]! / this.#ex.powF64(hypothetical, cf.lengthPenalty);
      const worst = this.#finished.length === cf.numBeams ? this.#finished[cf.numBeams - 1]!.score : NO_SCORE;
      this.#heuristicUnsatisfied = best > worst;
    }
    const openBeam = !(this.#finished.length === cf.numBeams && cf.earlyStopping === true);
    this.done = !(this.#heuristicUnsatisfied && openBeam && running.length > 0);
    if (this.done) this.sequences = [];
  }

  /**
   * The per-beam transforms, as Hugging Face applies its processors in beam search: on log-probabilities
   * (x - logZ), in the order repetition penalty, no-repeat n-gram, bad words, logit bias, then the
   * minNewTokens EOS ban. Fills `touched` with token -> processed log-probability (-Infinity = banned).
   */
  #transforms(seq: number[], generated: number, rowAt: number, logZ: number): void {
    const cf = this.#c;
    const t = this.#touched,
      rows = this.#views.rows;
    t.clear();
    if (cf.repetitionPenalty !== 1) {
      for (const tok of seq) {
        if (t.has(tok)) continue;
        const x = rows[rowAt + tok]! - logZ;
        t.set(tok, x < 0 ? x * cf.repetitionPenalty : x / cf.repetitionPenalty);
      }
    }
    if (cf.noRepeatNgramSize > 0) {
      const bans = this.#views.bans;
      const n = this.#lists.ngramBans(seq, seq.length, cf.noRepeatNgramSize, bans, 0);
      for (let k = 0; k < n; k++) t.set(bans[k]!, -Infinity);
    }
    if (cf.badWordsIds.length > 0) {
      const bans = this.#views.bans;
      const n = this.#lists.badWordBans(seq, seq.length, cf.badWordsIds, bans, 0);
      for (let k = 0; k < n; k++) t.set(bans[k]!, -Infinity);
    }
    for (const [tok, b] of cf.logitBias)
      t.set(tok, b === -Infinity ? -Infinity : (t.has(tok) ? t.get(tok)! : rows[rowAt + tok]! - logZ) + b);
    if (generated < cf.minNewTokens) for (const e of this.#eos) t.set(e, -Infinity);
  }
}

/** Creates a beam search for `options` (validated), in its own WebAssembly instance with numBeams rows. */
export async function createBeamSearch(options: BeamSearchOptions): Promise<BeamSearch> {
  const o = ownOptions("options", options, BEAM_OPTIONS, "beam search option") as unknown as BeamSearchOptions;
  if (o.vocabSize === undefined) throw new TypeError("vocabSize is required");
  const V = integer("vocabSize", o.vocabSize, 1, 1 << 20);
  const numBeams = integer("numBeams", o.numBeams, 1, 256);
  const maxNew = integer("maxNewTokens", o.maxNewTokens, 1, MAX_INT);
  const minNew = o.minNewTokens === undefined ? 0 : integer("minNewTokens", o.minNewTokens, 0, maxNew);
  const numReturn =
    o.numReturnSequences === undefined ? 1 : integer("numReturnSequences", o.numReturnSequences, 1, numBeams);
  const lengthPenalty = o.lengthPenalty === undefined ? 1 : number("lengthPenalty", o.lengthPenalty);
  if (!Number.isFinite(lengthPenalty)) throw rangeError("lengthPenalty", "a finite number", o.lengthPenalty);
  const es = o.earlyStopping ?? false;
  if (es !== true && es !== false && es !== "never")
    throw typeError("earlyStopping", 'true, false or "never"', o.earlyStopping);
  const eos = eosIds(o.eosTokenId, V);
  const repetition = inRange("repetitionPenalty", o.repetitionPenalty, 1, FLOAT_TINY, FLOAT_LIMIT, false, false);
  const ngram = o.noRepeatNgramSize === undefined ? 0 : integer("noRepeatNgramSize", o.noRepeatNgramSize, 0, MAX_INT);
  const bias = checkLogitBias(o.logitBias, V);
  const badWords = checkBadWords(o.badWordsIds, V);
  const prompt = o.prompt === undefined ? [] : tokenIds("prompt", o.prompt, V);
  const ex = await createEngine(V, numBeams);
  return new BeamSearchImpl(ex, {
    vocabSize: V,
    numBeams,
    maxNewTokens: maxNew,
    minNewTokens: minNew,
    eos,
    lengthPenalty,
    earlyStopping: es,
    numReturnSequences: numReturn,
    repetitionPenalty: repetition,
    noRepeatNgramSize: ngram,
    logitBias: bias,
    badWordsIds: badWords,
    prompt,
  });
}
