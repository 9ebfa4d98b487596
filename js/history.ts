// The token history of one generation (prompt + generated), kept incrementally so that a step costs
// O(distinct tokens in the penalty window) and O(1) in the length of the context:
//   - penalty counts over the last penaltyLastN tokens, with the distinct tokens in a swap-remove set;
//   - an n-gram table (hash of the n-1 token prefix -> start positions) for noRepeatNgramSize;
//   - the tail of the tokens for bad words and stop sequences.
import type { ContextLists } from "./context.js";
import { P_N_BAN_NGRAM, P_N_BAN_WORDS, P_N_CTX, P_N_DRY, P_N_PAIRS, P_N_SUPPRESS, type Views } from "./layout.js";
import type { Resolved } from "./options.js";

/** FNV-1a over token ids [from, from + n) of `t`. */
function hashIds(t: Int32Array, from: number, n: number): number {
  let h = 0x811c9dc5;
  for (let i = from; i < from + n; i++) {
    const x = t[i]!;
    h = Math.imul(h ^ (x & 0xff), 0x01000193);
    h = Math.imul(h ^ ((x >>> 8) & 0xff), 0x01000193);
    h = Math.imul(h ^ (x >>> 16), 0x01000193);
  }
  return h >>> 0;
}

export class History {
  /** Prompt and generated ids; `length` of them are valid. */
  tokens: Int32Array;
  length = 0;
  readonly #counts: Int32Array;
  readonly #distinct: Int32Array;
  readonly #pos: Int32Array;
  #nDistinct = 0;
  readonly #penalized: boolean;
  readonly #ngrams = new Map<number, number[]>();

  readonly #r: Resolved;
  constructor(r: Resolved, capacity: number) {
    this.#r = r;
    this.tokens = new Int32Array(Math.max(16, capacity));
    this.#penalized = r.repetitionPenalty !== 1 || r.presencePenalty !== 0 || r.frequencyPenalty !== 0;
    const n = this.#penalized ? r.vocabSize : 0;
    this.#counts = new Int32Array(n);
    this.#distinct = new Int32Array(n);
    this.#pos = new Int32Array(n);
  }

  push(t: number): void {
    if (this.length === this.tokens.length) {
      const grown = new Int32Array(this.tokens.length * 2);
      grown.set(this.tokens);
      this.tokens = grown;
    }
    const L = ++this.length;
    this.tokens[L - 1] = t;
    if (this.#penalized) {
      const N = this.#r.penaltyLastN;
      if (N !== 0) this.#add(t);
      if (N > 0 && L > N) this.#remove(this.tokens[L - 1 - N]!);
    }
    const n = this.#r.noRepeatNgramSize;
    if (n > 0 && L >= n) {
      const start = L - n;
      const h = hashIds(this.tokens, start, n - 1);
      const list = this.#ngrams.get(h);
      if (list) list.push(start);
      else this.#ngrams.set(h, [start]);
    }
  }

  /** Undoes push() down to `length` tokens (a failed or partly taken speculative step). */
  truncate(length: number): void {
    const N = this.#r.penaltyLastN,
      n = this.#r.noRepeatNgramSize,
      t = this.tokens;
    for (let L = this.length; L > length; L--) {
      if (this.#penalized) {
        if (N > 0 && L > N) this.#add(t[L - 1 - N]!);
        if (N !== 0) this.#remove(t[L - 1]!);
      }
      if (n > 0 && L >= n) {
        const h = hashIds(t, L - n, n - 1),
          list = this.#ngrams.get(h)!;
        list.pop(); // push() appended this start last
        if (list.length === 0) this.#ngrams.delete(h);
      }
    }
    this.length = Math.min(this.length, length);
  }

  #add(t: number): void {
    if (this.#counts[t]!++ === 0) {
      this.#pos[t] = this.#nDistinct;
      this.#distinct[this.#nDistinct++] = t;
    }
  }

  #remove(t: number): void {
    if (--this.#counts[t]! === 0) {
      const last = this.#distinct[--this.#nDistinct]!;
      const at = this.#pos[t]!;
      this.#distinct[at] = last;
      this.#pos[last] = at;
    }
  }

  /** Writes the penalty pairs, n-gram bans, bad-word bans and suppressed tokens for the next step. */
  write(views: Views, lists: ContextLists, suppress: readonly number[]): void {
    const p = views.params,
      r = this.#r;
    const pairs = views.pairs;
    for (let k = 0; k < this.#nDistinct; k++) {
      const t = this.#distinct[k]!;
      pairs[2 * k] = t;
      pairs[2 * k + 1] = this.#counts[t]!;
    }
    p[P_N_PAIRS] = this.#nDistinct;
    p[P_N_CTX] = 0;
    p[P_N_BAN_NGRAM] = r.noRepeatNgramSize > 0 ? this.#ngramBans(views.bans, lists) : 0;
    p[P_N_BAN_WORDS] =
      r.badWordsIds.length > 0 ? lists.badWordBans(this.tokens, this.length, r.badWordsIds, views.bans, views.vpad) : 0;
    const base = 2 * views.vpad;
    for (let k = 0; k < suppress.length; k++) views.bans[base + k] = suppress[k]!;
    p[P_N_SUPPRESS] = suppress.length;
    // DRY looks back over its window each step (the Z-function is linear in the window, as in llama.cpp)
    p[P_N_DRY] = r.dry ? lists.dry(this.tokens, this.length, r, views) : 0;
  }

  /** Tokens that followed an earlier occurrence of the last n - 1 tokens (Hugging Face's no-repeat rule). */
  #ngramBans(out: Uint32Array, lists: ContextLists): number {
    const n = this.#r.noRepeatNgramSize,
      L = this.length,
      t = this.tokens;
    if (L + 1 < n) return 0;
    const starts = this.#ngrams.get(hashIds(t, L - (n - 1), n - 1));
    if (!starts) return 0;
    const m = lists.nextMark(),
      marks = lists.marks;
    let k = 0;
    for (const s of starts) {
      let j = 0;
      while (j < n - 1 && t[s + j] === t[L - (n - 1) + j]) j++; // the hash may collide: compare
      if (j === n - 1) {
        const b = t[s + n - 1]!;
        if (marks[b] !== m) {
          marks[b] = m;
          out[k++] = b;
        }
      }
    }
    return k;
  }
}
