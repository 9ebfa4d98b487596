// DRY ("don't repeat yourself", llama.cpp, from koboldcpp PR 982 by pi6am): a token that would extend a
// repetition of the context's ending gets its logit lowered by multiplier * base ** (repeat length -
// allowed length). Sequence breakers (tokens that start a restart sequence) bound how far back a
// repetition may reach. Here: the options, the breakers, and the (token, exponent) list for a context;
// wasm computes the powers and patches the logits.
import { integer, MAX_INT, number, plainObject, rangeError, show, tokenId, typeError } from "./errors.js";

export interface DryOptions {
  /** 0 = off. */
  multiplier: number;
  /** Default 1.75; at least 1. */
  base?: number;
  /** Repeats up to this long go unpenalised. Default 2. */
  allowedLength?: number;
  /** How many of the last context tokens DRY looks at; -1 (default) = all, 0 = off. */
  penaltyLastN?: number;
  /**
   * Strings (every token whose text contains one is a single-token breaker, as in llama.cpp) or
   * token-id sequences (a head token and the tail that must follow it). Default: llama.cpp's
   * ["\n", ":", "\"", "*"] when `decode` or `vocabulary` is given, else none.
   */
  sequenceBreakers?: (string | number[])[];
  /** Token ids to text, to map string breakers onto the vocabulary (called once per token id). */
  decode?: (tokens: number[]) => string;
  /** The text of every token, to map string breakers (instead of decode). */
  vocabulary?: string[];
}

export interface DryResolved {
  multiplier: number;
  base: number;
  allowedLength: number;
  penaltyLastN: number;
  /** head token -> tails (an empty tail: the head alone is a breaker). */
  breakers: Map<number, number[][]>;
}

const KNOWN = ["multiplier", "base", "allowedLength", "penaltyLastN", "sequenceBreakers", "decode", "vocabulary"];
const LLAMA_BREAKERS = ["\n", ":", '"', "*"];
/** llama.cpp truncates breaker strings to 40 characters. */
const MAX_BREAKER_CHARS = 40;

/** Validates `dry` and maps its breakers; null when DRY is off. */
export function resolveDry(v: unknown, vocab: number): DryResolved | null {
  if (v === undefined) return null;
  const d = plainObject("dry", v, KNOWN);
  if (d.multiplier === undefined) throw new TypeError("dry.multiplier is required");
  const multiplier = number("dry.multiplier", d.multiplier);
  if (!(multiplier >= 0 && Number.isFinite(multiplier)))
    throw rangeError("dry.multiplier", "a finite number >= 0", d.multiplier);
  const base = d.base === undefined ? 1.75 : number("dry.base", d.base);
  if (!(base >= 1 && Number.isFinite(base))) throw rangeError("dry.base", "a finite number >= 1", d.base);
  const allowedLength = d.allowedLength === undefined ? 2 : integer("dry.allowedLength", d.allowedLength, 0, MAX_INT);
  const penaltyLastN = d.penaltyLastN === undefined ? -1 : integer("dry.penaltyLastN", d.penaltyLastN, -1, MAX_INT);
  if (d.decode !== undefined && typeof d.decode !== "function") throw typeError("dry.decode", "a function", d.decode);
  if (d.vocabulary !== undefined && !(Array.isArray(d.vocabulary) && d.vocabulary.length === vocab)) {
    throw typeError("dry.vocabulary", `an array of ${vocab} token texts`, d.vocabulary);
  }
  const textOf = d.vocabulary
    ? (t: number) => (d.vocabulary as string[])[t] ?? ""
    : d.decode
      ? (t: number) => (d.decode as (ids: number[]) => string)([t])
      : null;
  const given = d.sequenceBreakers;
  if (given !== undefined && !Array.isArray(given))
    throw typeError("dry.sequenceBreakers", "an array of strings and token-id arrays", given);
  const list: unknown[] = given ?? (textOf ? LLAMA_BREAKERS : []);
  if (multiplier === 0 || penaltyLastN === 0) return null; // llama.cpp: off
  const breakers = new Map<number, number[][]>();
  const add = (head: number, tail: number[]) => {
    const tails = breakers.get(head) ?? [];
    if (!tails.some((t) => t.length === tail.length && t.every((x, i) => x === tail[i]))) tails.push(tail);
    breakers.set(head, tails);
  };
  const strings: string[] = [];
  list.forEach((b, i) => {
    if (typeof b === "string") {
      if (b.length === 0) throw rangeError(`dry.sequenceBreakers[${i}]`, "a non-empty string", b);
      strings.push(b.slice(0, MAX_BREAKER_CHARS));
    } else if (Array.isArray(b) && b.length > 0) {
      const ids = b.map((t: unknown, j) => tokenId(`dry.sequenceBreakers[${i}][${j}]`, t, vocab));
      add(ids[0]!, ids.slice(1));
    } else {
      throw typeError(`dry.sequenceBreakers[${i}]`, "a non-empty string or token-id array", b);
    }
  });
  if (strings.length > 0) {
    if (!textOf)
      throw new TypeError(
        `dry.sequenceBreakers has strings (${show(strings)}): give dry.decode or dry.vocabulary to map them`,
      );
    for (let t = 0; t < vocab; t++) {
      const text = textOf(t);
      for (const str of strings) if (text.includes(str)) add(t, []);
    }
  }
  return { multiplier, base, allowedLength, penaltyLastN, breakers };
}

/**
 * Scratch for the DRY pass over a context window: the reversed window and its Z-function, and the
 * longest repeat each next token would extend (with the tokens that have one). Grown when needed.
 */
export class DryScratch {
  #rev = new Int32Array(0);
  #z = new Int32Array(0);
  readonly #longest: Int32Array;
  readonly #tokens: Int32Array;

  constructor(vocab: number) {
    this.#longest = new Int32Array(vocab);
    this.#tokens = new Int32Array(vocab);
  }

  /**
   * Writes (token, repeat length - allowed length) pairs for the context's first `len` ids into `out`;
   * returns how many.
   */
  penalties(context: ArrayLike<number>, len: number, d: DryResolved, out: Uint32Array): number {
    const W = d.penaltyLastN < 0 ? len : Math.min(d.penaltyLastN, len);
    if (W <= d.allowedLength) return 0;
    if (this.#rev.length < W) {
      this.#rev = new Int32Array(Math.max(W, 2 * this.#rev.length));
      this.#z = new Int32Array(this.#rev.length);
    }
    const r = this.#rev,
      z = this.#z;
    for (let i = 0; i < W; i++) r[i] = context[len - 1 - i]!; // r[i]: the i-th token from the end
    // A breaker sequence (head, tail...) ending the repetition bounds its length: the nearest one, from the end.
    let repLimit = W;
    for (let i = 0; i < W && d.breakers.size > 0; i++) {
      const tails = d.breakers.get(r[i]!);
      if (!tails) continue;
      let longestTail = -1;
      for (const tail of tails) {
        if (tail.length <= longestTail || tail.length > i) continue;
        let ok = true;
        for (let o = 0; o < tail.length && ok; o++) ok = tail[o] === r[i - o - 1];
        if (ok) longestTail = tail.length;
      }
      if (longestTail >= 0) {
        repLimit = i - longestTail;
        break;
      }
    }
    if (repLimit < d.allowedLength) return 0;
    // Z-function of the reversed window: z[k] = how far the context's ending repeats ending k tokens back;
    // the token that followed each repeat would extend it: keep the longest repeat per such token.
    const longest = this.#longest,
      toks = this.#tokens;
    let m = 0;
    z[0] = W;
    for (let k = 1, left = 0, right = 0; k < W; k++) {
      let n = k < right ? Math.min(right - k, z[k - left]!) : 0;
      while (k + n < W && r[n] === r[k + n]) n++;
      z[k] = n;
      if (k + n > right) {
        left = k;
        right = k + n;
      }
      if (n > repLimit) n = repLimit;
      if (n < d.allowedLength) continue;
      const t = r[k - 1]!;
      if (longest[t] === 0) toks[m++] = t;
      if (n + 1 > longest[t]!) longest[t] = n + 1; // stored + 1: 0 means none
    }
    let out_n = 0;
    for (let j = 0; j < m; j++) {
      const t = toks[j]!;
      const tails = d.breakers.get(t);
      // a single-token breaker is never penalised
      if (!tails?.some((tail) => tail.length === 0)) {
        out[2 * out_n] = t;
        out[2 * out_n + 1] = longest[t]! - 1 - d.allowedLength;
        out_n++;
      }
      longest[t] = 0;
    }
    return out_n;
  }
}
