// Speculative decoding: a draft model proposes k tokens, the target model scores them in one forward pass
// (k + 1 rows), and verifyDraft() keeps the draft's prefix that the standard rule accepts (Leviathan et al.
// 2023; Chen et al. 2023) plus one token, so that the tokens are distributed exactly as if drawn one by one
// from the target's rows. A function of its own, not a method: a bundle that does not import it does not
// carry it (the size budget of createSampler + createBeamSearch).
import { arrayLength, ownOptions, rangeError, tokenIds, typeError } from "./errors.js";
import { GenerationImpl, type FinishReason, type Generation } from "./generation.js";
import { FLAG_PROBS, P_GREEDY, R_LOGPROB, type Views } from "./layout.js";
import { nextMu } from "./options.js";
import { SamplerImpl, type Sampler, type TopLogprob } from "./sampler.js";

/** What verifyDraft() returns for a Sampler: the accepted prefix of the draft and one more token. */
export interface VerifyResult {
  /** How many draft tokens were accepted: the first `accepted` of `tokens`. */
  accepted: number;
  /** The accepted draft tokens, then the correction drawn at the first rejection or, with every draft token
   * accepted, a bonus token from the last target row. */
  tokens: number[];
  /** Each token's log-probability under its target row's distribution after the chain (0 under greedy). */
  logprobs: number[];
}

/** What verifyDraft() returns for a Generation: the tokens it appended and their text, as step() reports. */
export interface GenerationVerifyResult extends VerifyResult {
  /** Newly emitted text: never a prefix of a stop string that may still complete. */
  text: string;
  done: boolean;
  finishReason: FinishReason;
  /** Per appended token, with the generation's `logprobs` option. */
  topLogprobs?: TopLogprob[][];
}

/** verifyDraft's options. */
export interface VerifyOptions {
  /** A Sampler's context: the token ids before the draft (a Generation uses its own tokens). */
  context?: ArrayLike<number>;
  /**
   * The log-probability each draft token had in the distribution it was drawn from, as a Generation's step()
   * reports it when the draft model's tokens are drawn with a sampler of the same options. The acceptance
   * test uses these instead of running the chain over every draft row, which then runs only at a rejection
   * (for the correction): a call costs about what sampling the target rows does. Wrong values bias the
   * output; without them every draft row goes through the chain.
   */
  draftLogprobs?: ArrayLike<number>;
}

const KNOWN = new Set(["context", "draftLogprobs"]);

type Take = (token: number, logprob: number, top: TopLogprob[], mu: number, drafted: boolean) => boolean;

/**
 * Verifies `draftTokens` (k ids a draft model proposed after the context) against `targetRows`, the target
 * model's k + 1 rows of logits (row j scored after the context and the first j draft tokens; k + 1 rows of
 * vocabSize values, one after another). `draftRows` holds the draft model's k rows, the distributions the draft
 * tokens were drawn from, or null when only the ids are known. Both go through the sampler's chain, row j
 * seeing the context plus the first j draft tokens (penalties, n-gram bans, bad words and DRY see what they
 * would see decoding one token at a time). Token x_j is accepted with probability min(1, p_j(x_j) / q_j(x_j));
 * the first rejected one is replaced by a draw from normalize(max(0, p_j - q_j)), and if every draft token is
 * accepted a bonus token is drawn from the last row. Without draft rows (as Hugging Face's assisted
 * generation does then) and under greedy, each target row's ordinary draw is taken, and draft tokens are
 * accepted while they equal it. The random draws, in order: per draft row one acceptance draw, at the first
 * rejection one correction draw, with every draft token accepted the last row's ordinary draw.
 *
 * For a Generation, row j sees the generation's tokens plus the first j draft tokens (EOS is banned before
 * minNewTokens as in step()), and the tokens are appended one by one: EOS, a stop sequence or string, or
 * maxNewTokens ends the generation at that token, and the later ones are not appended. A call that throws
 * changes nothing, for either.
 */
export function verifyDraft(
  target: Sampler,
  draftTokens: ArrayLike<number>,
  draftRows: Float32Array | null,
  targetRows: Float32Array,
  options?: VerifyOptions,
): VerifyResult;
export function verifyDraft(
  target: Generation,
  draftTokens: ArrayLike<number>,
  draftRows: Float32Array | null,
  targetRows: Float32Array,
  options?: Omit<VerifyOptions, "context">,
): GenerationVerifyResult;
export function verifyDraft(
  target: Sampler | Generation,
  draftTokens: ArrayLike<number>,
  draftRows: Float32Array | null,
  targetRows: Float32Array,
  options: VerifyOptions = {},
): VerifyResult | GenerationVerifyResult {
  const o = ownOptions("options", options, KNOWN);
  if (target instanceof GenerationImpl) {
    if (o.context !== undefined) {
      throw typeError("options.context", "undefined for a Generation (it has its tokens)", o.context);
    }
    const r: GenerationVerifyResult = {
      accepted: 0,
      tokens: [],
      logprobs: [],
      text: "",
      done: false,
      finishReason: null,
    };
    const tops: TopLogprob[][] = [];
    const before = target.text.length;
    let withTop = false;
    target.spec((s, write, mu, nTop, take) => {
      const [draft, lq] = checkDraft(s, draftTokens, draftRows, targetRows, o.draftLogprobs);
      withTop = nTop > 0;
      // take() appends each token before the next row is written: the history is row j's context
      speculate(s, draft, draftRows, lq, targetRows, write, mu, nTop, (token, logprob, top, next, drafted) => {
        record(r, token, logprob, drafted);
        tops.push(top);
        return take(token, next);
      });
    });
    r.text = target.text.slice(before);
    r.done = target.done;
    r.finishReason = target.finishReason;
    if (withTop) r.topLogprobs = tops;
    return r;
  }
  if (!(target instanceof SamplerImpl)) throw typeError("target", "a Sampler or a Generation", target);
  const s = target;
  s.guard();
  const [draft, lq] = checkDraft(s, draftTokens, draftRows, targetRows, o.draftLogprobs);
  const ctx = o.context === undefined ? [] : tokenIds("options.context", o.context, s.vocabSize);
  const r: VerifyResult = { accepted: 0, tokens: [], logprobs: [] };
  const streams = s.saveStreams(),
    mu0 = s.mu;
  try {
    speculate(
      s,
      draft,
      draftRows,
      lq,
      targetRows,
      (v, j) => s.lists.write(j ? ctx.concat(draft.slice(0, j)) : ctx, s.opts, v, "options.context"),
      mu0,
      0,
      (token, logprob, _top, mu, drafted) => {
        record(r, token, logprob, drafted);
        s.mu = mu;
        return true;
      },
    );
  } catch (e) {
    s.restoreStreams(streams);
    s.mu = mu0;
    throw e;
  }
  return r;
}

/** Adds a token to a result: the draft tokens accepted are counted. */
function record(r: VerifyResult, token: number, logprob: number, drafted: boolean): void {
  r.tokens.push(token);
  r.logprobs.push(logprob);
  if (drafted) r.accepted++;
}

/** Validates the draft tokens, both row arrays and the draft's log-probabilities; returns copies. */
function checkDraft(
  s: SamplerImpl,
  draftTokens: ArrayLike<number>,
  draftRows: Float32Array | null,
  targetRows: Float32Array,
  draftLogprobs: unknown,
): [number[], number[] | null] {
  const V = s.vocabSize,
    draft = tokenIds("draftTokens", draftTokens, V),
    k = draft.length;
  const rows = (name: string, r: unknown, n: number) => {
    if (!(r instanceof Float32Array)) throw typeError(name, `a Float32Array of ${n} rows of vocabSize (${V})`, r);
    if (r.length !== n * V) throw rangeError(`${name}.length`, `${n} * vocabSize (${n * V})`, r.length);
  };
  rows("targetRows", targetRows, k + 1);
  if (draftRows !== null) rows("draftRows", draftRows, k);
  let lq: number[] | null = null;
  if (draftLogprobs !== undefined) {
    if (draftRows === null) throw new TypeError("options.draftLogprobs needs draftRows (for the correction)");
    const n = arrayLength("options.draftLogprobs", draftLogprobs);
    if (n !== k) throw rangeError("options.draftLogprobs.length", `draftTokens.length (${k})`, n);
    lq = [];
    for (let j = 0; j < k; j++) {
      const x = (draftLogprobs as ArrayLike<unknown>)[j];
      if (!(typeof x === "number" && x <= 0)) {
        throw rangeError(`options.draftLogprobs[${j}]`, "a log-probability (<= 0)", x);
      }
      lq.push(x);
    }
  }
  if (s.opts.xtcProbability > 0 && s.opts.order.includes("xtc")) {
    throw new RangeError("verifyDraft cannot apply xtc: its random cut is not part of the draft's distribution");
  }
  return [draft, lq];
}

/**
 * The verification loop. Row j of both models sees the context lists that write(v, j) fills; `take` gets
 * each token to append with its target log-probability, top log-probabilities, mirostat's next mu and
 * whether it is an accepted draft token, and returns false to stop early.
 */
function speculate(
  s: SamplerImpl,
  draft: number[],
  draftRows: Float32Array | null,
  draftLogprobs: number[] | null,
  targetRows: Float32Array,
  write: (v: Views, j: number) => void,
  mu: number,
  nTop: number,
  take: Take,
): void {
  const V = s.vocabSize,
    m = s.opts.mirostat,
    none = () => {},
    row = (rows: Float32Array, j: number) => rows.subarray(j * V, j * V + V);
  for (let j = 0; ; j++) {
    const x = j < draft.length ? draft[j]! : -1,
      // the draft's probabilities matter when sampling; under greedy only the target's argmax does
      at = draftRows && !s.views.params[P_GREEDY] ? x : -1,
      tName = `targetRows[${j}]`,
      dName = `draftRows[${j}]`;
    s.loadWith(row(targetRows, j), (v) => write(v, j));
    let { token, logprob, top } = s.drawWith(mu, nTop, true, tName, at);
    // at < 0: the ordinary draw, which accepts the draft token when it equals it
    let ok = token === x;
    if (at >= 0) {
      let lq = draftLogprobs?.[j];
      if (lq === undefined) {
        s.loadWith(row(draftRows!, j), none);
        lq = s.drawWith(mu, 0, true, dName, at).logprob;
      }
      ok = s.ex.accept(logprob - lq) === 1;
      if (!ok) {
        // the first rejection: the correction, from normalize(max(0, p - q)) over both dense distributions
        s.loadWith(row(targetRows, j), none);
        s.runChecked(FLAG_PROBS, tName);
        s.ex.residual(1);
        s.loadWith(row(draftRows!, j), none);
        s.runChecked(FLAG_PROBS, dName);
        token = s.ex.residual(0);
        logprob = s.views.fresh().result[R_LOGPROB]!;
      }
    }
    mu = m ? nextMu(m, mu, logprob) : NaN;
    if (!take(token, logprob, top, mu, ok) || !ok) return;
  }
}
