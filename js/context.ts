// What the transforms need from the context (the token ids so far), written into the engine's lists:
// (token, count) pairs of the penalty window, n-gram bans, bad-word bans. Scratch buffers are allocated
// once per sampler, so a call allocates nothing.
import { DryScratch } from "./dry.js";
import { tokenId } from "./errors.js";
import { P_N_BAN_NGRAM, P_N_BAN_WORDS, P_N_CTX, P_N_DRY, P_N_PAIRS, P_N_SUPPRESS, type Views } from "./layout.js";
import type { Resolved } from "./options.js";

export class ContextLists {
  private readonly counts: Int32Array;
  private readonly distinct: Int32Array;
  readonly marks: Uint32Array;
  private mark = 0;
  private dryScratch: DryScratch | null = null;

  constructor(private readonly vocab: number) {
    this.counts = new Int32Array(vocab);
    this.distinct = new Int32Array(vocab);
    this.marks = new Uint32Array(vocab);
  }

  /** Throws before anything changes if an id is not a token of the vocabulary. */
  validate(context: ArrayLike<number> | undefined, name: string): void {
    if (context === undefined) return;
    this.checkShape(context, name);
    this.checkIds(context, name, 0, context.length);
  }

  private checkShape(context: ArrayLike<number>, name: string): void {
    if (typeof context !== "object" || context === null || typeof context.length !== "number") {
      throw new TypeError(`${name} must be an array of token ids, got ${String(context)}`);
    }
  }

  private checkIds(context: ArrayLike<number>, name: string, from: number, to: number): void {
    const v = this.vocab;
    for (let i = from; i < to; i++) {
      const t = context[i]!;
      // (t >>> 0) === t: a non-negative integer below 2^32, and false for NaN, fractions and non-numbers
      if (!(t >>> 0 === t && t < v)) tokenId(`${name}[${i}]`, t, v);
    }
  }

  /**
   * Fills the engine's pair and ban lists for `context` under options `r`: the penalty window goes to the
   * engine as raw ids (F_CTX), which run() counts, or as counted pairs when it is longer than the region.
   * With `name`, the context is validated here first (it throws before the engine sees anything);
   * without, it must have been validated.
   */
  write(context: ArrayLike<number> | undefined, r: Resolved, views: Views, name?: string): void {
    const p = views.params;
    p[P_N_PAIRS] = 0;
    p[P_N_CTX] = 0;
    p[P_N_BAN_NGRAM] = 0;
    p[P_N_BAN_WORDS] = 0;
    p[P_N_SUPPRESS] = 0;
    if (name !== undefined && context !== undefined) this.checkShape(context, name);
    const penalties = r.repetitionPenalty !== 1 || r.presencePenalty !== 0 || r.frequencyPenalty !== 0;
    if (penalties && context !== undefined && context.length > 0) {
      const len = context.length,
        lastN = r.penaltyLastN;
      const start = lastN < 0 ? 0 : Math.max(0, len - lastN);
      if (len - start <= views.vpad) {
        // the engine counts the window: one bulk copy of the ids here instead of a counting loop
        if (name !== undefined) this.checkIds(context, name, 0, len);
        const ids = views.ctx;
        if (start === 0) ids.set(context);
        else for (let i = start; i < len; i++) ids[i - start] = context[i]!;
        p[P_N_CTX] = len - start;
      } else {
        p[P_N_PAIRS] = this.windowPairs(context, lastN, views.pairs, name);
      }
    } else if (name !== undefined && context !== undefined) {
      this.checkIds(context, name, 0, context.length);
    }
    const len = context?.length ?? 0;
    p[P_N_DRY] = r.dry && len > 0 ? this.dry(context!, len, r, views) : 0;
    if (r.noRepeatNgramSize > 0 && len > 0) {
      p[P_N_BAN_NGRAM] = this.ngramBans(context!, r.noRepeatNgramSize, views.bans, 0);
    }
    if (r.badWordsIds.length > 0) {
      p[P_N_BAN_WORDS] = this.badWordBans(context, len, r.badWordsIds, views.bans, views.vpad);
    }
  }

  /** DRY's (token, exponent) pairs for the first `len` ids of a context. */
  dry(context: ArrayLike<number>, len: number, r: Resolved, views: Views): number {
    this.dryScratch ??= new DryScratch(this.vocab);
    return this.dryScratch.penalties(context, len, r.dry!, views.dry);
  }

  /**
   * Distinct tokens of the last `lastN` ids (-1 = all) with their counts, as (token, count) pairs. With
   * `name`, every id of the context is validated: those before the window first, the window's while
   * counting (on a bad id the counts are cleared before the error).
   */
  windowPairs(context: ArrayLike<number>, lastN: number, out: Uint32Array, name?: string): number {
    const start = lastN < 0 ? 0 : Math.max(0, context.length - lastN);
    const counts = this.counts,
      distinct = this.distinct,
      v = this.vocab;
    let d = 0;
    if (name !== undefined) {
      this.checkIds(context, name, 0, start);
      for (let i = start; i < context.length; i++) {
        const t = context[i]!;
        if (!(t >>> 0 === t && t < v)) {
          for (let k = 0; k < d; k++) counts[distinct[k]!] = 0;
          tokenId(`${name}[${i}]`, t, v);
        }
        if (counts[t]!++ === 0) distinct[d++] = t;
      }
    } else {
      for (let i = start; i < context.length; i++) {
        const t = context[i]!;
        if (counts[t]!++ === 0) distinct[d++] = t;
      }
    }
    for (let k = 0; k < d; k++) {
      const t = distinct[k]!;
      out[2 * k] = t;
      out[2 * k + 1] = counts[t]!;
      counts[t] = 0;
    }
    return d;
  }

  nextMark(): number {
    this.mark = (this.mark + 1) >>> 0;
    if (this.mark === 0) {
      this.marks.fill(0);
      this.mark = 1;
    }
    return this.mark;
  }

  /**
   * Hugging Face's no-repeat-ngram rule: ban every token that would complete an n-gram already present,
   * i.e. that followed an earlier occurrence of the last n - 1 ids.
   */
  ngramBans(context: ArrayLike<number>, n: number, out: Uint32Array, offset: number): number {
    const len = context.length;
    if (len + 1 < n) return 0;
    const m = this.nextMark(),
      marks = this.marks;
    const tail = len - (n - 1);
    let k = 0;
    for (let start = 0; start + n - 1 < len; start++) {
      let j = 0;
      while (j < n - 1 && context[start + j] === context[tail + j]) j++;
      if (j === n - 1) {
        const t = context[start + n - 1]!;
        if (marks[t] !== m) {
          marks[t] = m;
          out[offset + k++] = t;
        }
      }
    }
    return k;
  }

  /**
   * Hugging Face's bad-words rule: a sequence's last id is banned when the rest of it ends the context
   * (its first `len` ids).
   */
  badWordBans(
    context: ArrayLike<number> | undefined,
    len: number,
    words: number[][],
    out: Uint32Array,
    offset: number,
  ): number {
    const m = this.nextMark(),
      marks = this.marks;
    let k = 0;
    for (const seq of words) {
      const pre = seq.length - 1;
      if (pre > len) continue;
      let j = 0;
      while (j < pre && context![len - pre + j] === seq[j]) j++;
      if (j === pre) {
        const t = seq[pre]!;
        if (marks[t] !== m) {
          marks[t] = m;
          out[offset + k++] = t;
        }
      }
    }
    return k;
  }
}
