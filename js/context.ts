// What the transforms need from the context (the token ids so far), written into the engine's lists:
// (token, count) pairs of the penalty window, n-gram bans, bad-word bans. Scratch buffers are allocated
// once per sampler, so a call allocates nothing.
import { DryScratch } from "./dry.js";
import { arrayLength, copyIds } from "./errors.js";
import { P_N_BAN_NGRAM, P_N_BAN_WORDS, P_N_CTX, P_N_DRY, P_N_PAIRS, P_N_SUPPRESS, type Views } from "./layout.js";
import type { Resolved } from "./options.js";

export class ContextLists {
  readonly #counts: Int32Array;
  readonly #distinct: Int32Array;
  readonly marks: Uint32Array;
  #mark = 0;
  #dryScratch: DryScratch | null = null;
  #scratch = new Int32Array(64);

  readonly #vocab: number;
  constructor(vocab: number) {
    this.#vocab = vocab;
    this.#counts = new Int32Array(vocab);
    this.#distinct = new Int32Array(vocab);
    this.marks = new Uint32Array(vocab);
  }

  /** The caller's context copied into scratch by one validating read (copyIds); returns its length. */
  #copy(context: unknown, name: string): number {
    const n = arrayLength(name, context);
    if (this.#scratch.length < n) this.#scratch = new Int32Array(Math.max(n, 2 * this.#scratch.length));
    copyIds(name, context, n, this.#vocab, this.#scratch);
    return n;
  }

  /**
   * Fills the engine's pair and ban lists for `context` under options `r`: the penalty window goes to the
   * engine as raw ids (F_CTX), which run() counts, or as counted pairs when it is longer than the region.
   * The context is copied and validated first, so a bad id throws before the engine sees anything.
   */
  write(context: ArrayLike<number> | undefined, r: Resolved, views: Views, name: string): void {
    const len = context === undefined ? 0 : this.#copy(context, name);
    const ids = this.#scratch;
    const p = views.params;
    p[P_N_PAIRS] = 0;
    p[P_N_CTX] = 0;
    p[P_N_BAN_NGRAM] = 0;
    p[P_N_BAN_WORDS] = 0;
    p[P_N_SUPPRESS] = 0;
    const penalties = r.repetitionPenalty !== 1 || r.presencePenalty !== 0 || r.frequencyPenalty !== 0;
    if (penalties && len > 0) {
      const lastN = r.penaltyLastN;
      const start = lastN < 0 ? 0 : Math.max(0, len - lastN);
      if (len - start <= views.vpad) {
        views.ctx.set(ids.subarray(start, len)); // the engine counts the window (a memcpy)
        p[P_N_CTX] = len - start;
      } else {
        p[P_N_PAIRS] = this.windowPairs(ids, len, lastN, views.pairs);
      }
    }
    p[P_N_DRY] = r.dry && len > 0 ? this.dry(ids, len, r, views) : 0;
    if (r.noRepeatNgramSize > 0 && len > 0) {
      p[P_N_BAN_NGRAM] = this.ngramBans(ids, len, r.noRepeatNgramSize, views.bans, 0);
    }
    if (r.badWordsIds.length > 0) {
      p[P_N_BAN_WORDS] = this.badWordBans(ids, len, r.badWordsIds, views.bans, views.vpad);
    }
  }

  /** DRY's (token, exponent) pairs for the first `len` ids of a context. */
  dry(context: ArrayLike<number>, len: number, r: Resolved, views: Views): number {
    this.#dryScratch ??= new DryScratch(this.#vocab);
    return this.#dryScratch.penalties(context, len, r.dry!, views.dry);
  }

  /** Distinct tokens of the last `lastN` ids (-1 = all) of the first `len`, with their counts, as (token, count) pairs. */
  windowPairs(context: ArrayLike<number>, len: number, lastN: number, out: Uint32Array): number {
    const start = lastN < 0 ? 0 : Math.max(0, len - lastN);
    const counts = this.#counts,
      distinct = this.#distinct;
    let d = 0;
    for (let i = start; i < len; i++) {
      const t = context[i]!;
      if (counts[t]!++ === 0) distinct[d++] = t;
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
    this.#mark = (this.#mark + 1) >>> 0;
    if (this.#mark === 0) {
      this.marks.fill(0);
      this.#mark = 1;
    }
    return this.#mark;
  }

  /**
   * Hugging Face's no-repeat-ngram rule: ban every token that would complete an n-gram already present,
   * i.e. that followed an earlier occurrence of the last n - 1 ids.
   */
  ngramBans(context: ArrayLike<number>, len: number, n: number, out: Uint32Array, offset: number): number {
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
      if (pre > 0 && pre >= len) continue; // Hugging Face skips a sequence longer than the context
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
