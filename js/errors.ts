// Error messages name the argument and the value: `topP must be in (0, 1], got 1.5`.

/** A short, readable rendering of any value for an error message. */
export function show(v: unknown): string {
  if (typeof v === "string") return JSON.stringify(v);
  if (typeof v === "number") return Object.is(v, -0) ? "-0" : String(v);
  if (typeof v === "bigint") return `${v}n`;
  if (v === null || v === undefined || typeof v === "boolean") return String(v);
  if (Array.isArray(v)) {
    const head = v.slice(0, 8).map(show).join(", ");
    return `[${head}${v.length > 8 ? `, ... (${v.length} items)` : ""}]`;
  }
  if (ArrayBuffer.isView(v))
    return `${v.constructor.name}(${(v as unknown as ArrayLike<unknown>).length ?? v.byteLength})`;
  if (typeof v === "function") return "a function";
  const name = (v as object).constructor?.name;
  return name && name !== "Object" ? `a ${name}` : "an object";
}

export function rangeError(name: string, rule: string, value: unknown): RangeError {
  return new RangeError(`${name} must be ${rule}, got ${show(value)}`);
}

export function typeError(name: string, rule: string, value: unknown): TypeError {
  return new TypeError(`${name} must be ${rule}, got ${show(value)}`);
}

/** A number (NaN and the infinities included: callers check ranges), or a TypeError naming it. */
export function number(name: string, v: unknown): number {
  if (typeof v !== "number") throw typeError(name, "a number", v);
  return v;
}

/** Number.MAX_SAFE_INTEGER, as one short name in the bundle. */
export const MAX_INT = Number.MAX_SAFE_INTEGER;

/** An integer in [min, max]. */
export function integer(name: string, v: unknown, min: number, max: number): number {
  const x = number(name, v);
  if (!Number.isInteger(x) || x < min || x > max) {
    const rule = max === MAX_INT ? `an integer >= ${min}` : `an integer in [${min}, ${max}]`;
    throw rangeError(name, rule, v);
  }
  return x;
}

/** A token id of a vocabulary of `vocab` tokens. */
export function tokenId(name: string, v: unknown, vocab: number): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v >= vocab) {
    if (typeof v !== "number") throw typeError(name, `a token id in [0, ${vocab})`, v);
    throw rangeError(name, `a token id in [0, ${vocab})`, v);
  }
  return v;
}

/** In [lo, hi] with each end open or closed as the rule says, e.g. "(0, 1]". */
export function inRange(
  name: string,
  v: unknown,
  dflt: number,
  lo: number,
  hi: number,
  loOpen: boolean,
  hiOpen: boolean,
): number {
  if (v === undefined) return dflt;
  const x = number(name, v);
  const ok = (loOpen ? x > lo : x >= lo) && (hiOpen ? x < hi : x <= hi);
  if (!ok) throw rangeError(name, `in ${loOpen ? "(" : "["}${lo}, ${hi}${hiOpen ? ")" : "]"}`, v);
  return x;
}

/** A copy of an object with no keys but `keys` (each read once), or an error naming the option (`unknown option xtc.thresh`). */
export function plainObject(name: string, v: unknown, keys: string[]): Record<string, unknown> {
  return ownOptions(name, v, new Set(keys), `option ${name}.`);
}

/** The length of an array-like, read once: an integer in [0, 2^32). */
export function arrayLength(name: string, v: unknown): number {
  if (typeof v !== "object" || v === null) throw typeError(name, "an array of token ids", v);
  const n = (v as { length?: unknown }).length;
  if (typeof n !== "number" || !Number.isInteger(n) || n < 0 || n >= 2 ** 32) {
    throw rangeError(`${name}.length`, "an integer in [0, 2^32)", n);
  }
  return n;
}

/**
 * Copies the first `n` token ids of `v` into `out`, each element read once and validated as it is read
 * (holes, non-numbers and out-of-range ids are errors naming the index): nothing reads `v` again, so a
 * getter, a Proxy or another thread cannot change what was checked.
 */
export function copyIds<T extends { [i: number]: number }>(
  name: string,
  v: unknown,
  n: number,
  vocab: number,
  out: T,
): T {
  const c = v as ArrayLike<unknown>;
  for (let i = 0; i < n; i++) {
    const t = c[i];
    // (t >>> 0) === t: a non-negative integer below 2^32, and false for NaN, fractions and non-numbers
    if (!(typeof t === "number" && t >>> 0 === t && t < vocab)) tokenId(`${name}[${i}]`, t, vocab);
    out[i] = t as number;
  }
  return out;
}

/** A validated copy of an array-like of token ids (see copyIds). */
export function tokenIds(name: string, v: unknown, vocab: number): number[] {
  const n = arrayLength(name, v);
  return copyIds(name, v, n, vocab, new Array<number>(n));
}

/**
 * An options object's own enumerable properties, each read once (getters included; the prototype is
 * ignored), with an error for a key not in `known`.
 */
export function ownOptions(
  name: string,
  v: unknown,
  known: ReadonlySet<string>,
  what = "option",
): Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw typeError(name, "an object", v);
  const out: Record<string, unknown> = Object.create(null); // nothing inherited, not even from Object.prototype
  for (const k of Object.keys(v)) {
    if (!known.has(k)) throw new TypeError(`unknown ${what}${what.endsWith(".") ? k : ` ${show(k)}`}`);
    out[k] = (v as Record<string, unknown>)[k];
  }
  return out;
}

/**
 * Bound on option magnitudes that scale or shift logits (penalties, biases, 1 / temperature): a logit of
 * magnitude up to 1e8 so changed stays a finite float32, so a call never fails on logits it was given.
 */
export const FLOAT_LIMIT = 1e30;
export const FLOAT_TINY = 1e-30;

/** eosTokenId: one id or an array-like of ids, each read once. */
export function eosIds(v: unknown, vocab: number): number[] {
  if (v === undefined) return [];
  return typeof v === "object" && v !== null ? tokenIds("eosTokenId", v, vocab) : [tokenId("eosTokenId", v, vocab)];
}

/** The error for a distribution with nothing left to draw or score. */
export function allRemoved(name: string): RangeError {
  return new RangeError(`${name}: every token was removed (all -Infinity, banned or masked); nothing to sample`);
}
