// Stop matching in time linear in what is fed (Aho-Corasick): the stop strings over UTF-16 code units, the
// stop token sequences over token ids. Building costs O(total stop length); each symbol fed costs O(1)
// amortized, so a 100,000-character stop string costs no more per step than a short one.

/** The automaton over some patterns of numbers (code units or token ids). State 0 is the root. */
export class StopMatcher {
  readonly #sym: number[] = [0];
  readonly #firstChild: number[] = [-1];
  readonly #nextSibling: number[] = [-1];
  readonly #fail: number[] = [0];
  readonly #depth: number[] = [0];
  /** Length of the longest pattern that ends at this state (0: none). */
  readonly #out: number[] = [0];
  /** Length of the longest proper prefix of a pattern that is a suffix of this state's string. */
  readonly #held: number[] = [0];
  readonly empty: boolean;

  constructor(patterns: readonly (readonly number[])[]) {
    this.empty = patterns.length === 0;
    const terminal: boolean[] = [false];
    for (const p of patterns) {
      let s = 0;
      for (const c of p) {
        let t = this.#child(s, c);
        if (t < 0) {
          t = this.#sym.length;
          this.#sym.push(c);
          this.#firstChild.push(-1);
          this.#nextSibling.push(this.#firstChild[s]!);
          this.#firstChild[s] = t;
          this.#fail.push(0);
          this.#depth.push(this.#depth[s]! + 1);
          this.#out.push(0);
          this.#held.push(0);
          terminal.push(false);
        }
        s = t;
      }
      terminal[s] = true;
    }
    // breadth first: every state's failure link is a shallower state
    const queue: number[] = [];
    for (let c = this.#firstChild[0]!; c >= 0; c = this.#nextSibling[c]!) queue.push(c);
    for (let head = 0; head < queue.length; head++) {
      const s = queue[head]!;
      for (let c = this.#firstChild[s]!; c >= 0; c = this.#nextSibling[c]!) {
        queue.push(c);
        let f = this.#fail[s]!;
        while (f > 0 && this.#child(f, this.#sym[c]!) < 0) f = this.#fail[f]!;
        const g = this.#child(f, this.#sym[c]!);
        this.#fail[c] = g >= 0 && g !== c ? g : 0;
      }
      const f = this.#fail[s]!;
      this.#out[s] = terminal[s] ? this.#depth[s]! : this.#out[f]!;
      this.#held[s] = this.#firstChild[s]! >= 0 ? this.#depth[s]! : this.#held[f]!;
    }
  }

  #child(s: number, c: number): number {
    for (let t = this.#firstChild[s]!; t >= 0; t = this.#nextSibling[t]!) if (this.#sym[t] === c) return t;
    return -1;
  }

  /** The state after feeding `c` in state `s`. */
  next(s: number, c: number): number {
    for (;;) {
      const t = this.#child(s, c);
      if (t >= 0) return t;
      if (s === 0) return 0;
      s = this.#fail[s]!;
    }
  }

  /** Length of the longest pattern ending at the last symbol fed (0: none): the match that starts earliest. */
  match(s: number): number {
    return this.#out[s]!;
  }

  /** How many of the last symbols fed may still begin a pattern (they must be held back). */
  heldBack(s: number): number {
    return this.#held[s]!;
  }
}

/** The UTF-16 code units of a string, as pattern symbols. */
export function codeUnits(s: string): number[] {
  const out = new Array<number>(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}
